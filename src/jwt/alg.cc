// JWA algorithm names <-> Alg.
#include "jwtgate/jwt/alg.h"

#include <array>

namespace jwtgate::jwt {
namespace {

constexpr std::array<std::string_view, kAlgCount> kNames = {
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256",
    "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
};

}  // namespace

std::optional<Alg> AlgFromName(std::string_view name) {
  // Every registered name is 5 characters; "none" never matches.
  if (name.size() != 5) return std::nullopt;
  for (int i = 0; i < kAlgCount; ++i) {
    if (kNames[i] == name) return static_cast<Alg>(i);
  }
  return std::nullopt;
}

std::string_view AlgName(Alg alg) {
  const int i = static_cast<int>(alg);
  return i >= 0 && i < kAlgCount ? kNames[i] : std::string_view("?");
}

}  // namespace jwtgate::jwt
