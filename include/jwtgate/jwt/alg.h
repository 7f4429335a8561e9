// File: jwtgate/jwt/alg.h
//
// JWS algorithms jwtgate verifies. Parsed once from config/JWK/JWS header
// text; compared as enums on the request path.
#ifndef JWTGATE_JWT_ALG_H_
#define JWTGATE_JWT_ALG_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace jwtgate::jwt {

enum class Alg : uint8_t {
  kHS256, kHS384, kHS512,
  kRS256, kRS384, kRS512,
  kPS256, kPS384, kPS512,
  kES256, kES384, kES512,
  kEdDSA,
};
inline constexpr int kAlgCount = 13;

// A set of algorithms, bit i = Alg(i).
using AlgMask = uint32_t;
constexpr AlgMask AlgBit(Alg a) { return AlgMask{1} << static_cast<int>(a); }

// Exact, case-sensitive match of the registered JWA names ("HS256", "EdDSA").
// "none" (in any spelling) and unknown names give nullopt.
std::optional<Alg> AlgFromName(std::string_view name);
std::string_view AlgName(Alg alg);
constexpr bool IsHmac(Alg a) { return a <= Alg::kHS512; }

}  // namespace jwtgate::jwt

#endif  // JWTGATE_JWT_ALG_H_
