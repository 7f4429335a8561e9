// Test-time token minting.
#include "tests/testing/token_factory.h"

#include <cstdio>
#include <cstdlib>

#include "jwtgate/jwt/mint.h"
#include "tests/testing/test_keys.h"

namespace jwtgate::testing {
namespace {

template <typename T>
T ValueOrDie(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::fprintf(stderr, "token_factory: %s: %s\n", what,
                 v.status().ToString().c_str());
    std::abort();
  }
  return *std::move(v);
}

}  // namespace

std::string TokenFactory::Auth0Payload(int64_t ttl_seconds,
                                       std::string_view extra) const {
  std::string p = "{\"iss\":\"" + std::string(kTestIssuer) + "\",\"sub\":\"" +
                  std::string(kTestSubject) + "\",\"aud\":\"" +
                  std::string(kTestAudience) +
                  "\",\"iat\":" + std::to_string(now_) +
                  ",\"exp\":" + std::to_string(now_ + ttl_seconds) +
                  ",\"scope\":\"openid profile read:messages\"";
  if (!extra.empty()) {
    p += ",";
    p += extra;
  }
  p += "}";
  return p;
}

std::string TokenFactory::Sign(jwt::Alg alg, std::string_view payload_json,
                               std::string_view kid) const {
  std::string header = "{\"alg\":\"" + std::string(jwt::AlgName(alg)) + "\"";
  if (!kid.empty()) header += ",\"kid\":\"" + std::string(kid) + "\"";
  header += ",\"typ\":\"JWT\"}";
  return SignWithHeader(alg, header, payload_json);
}

std::string TokenFactory::SignWithHeader(jwt::Alg alg,
                                         std::string_view header_json,
                                         std::string_view payload_json) const {
  return ValueOrDie(
      jwt::SignRaw(alg, header_json, payload_json, SigningMaterialFor(alg)),
      "SignRaw");
}

jwt::KeyPtr TokenFactory::KeyFor(jwt::Alg alg, std::string kid) {
  const std::string name = "test-" + std::string(jwt::AlgName(alg));
  if (jwt::IsHmac(alg)) {
    return ValueOrDie(
        jwt::MakeHmacKey(name, alg, HmacSecretFor(alg), std::move(kid)),
        "MakeHmacKey");
  }
  return ValueOrDie(jwt::MakePemPublicKey(name, alg, KeyPairFor(alg).public_pem,
                                          std::move(kid)),
                    "MakePemPublicKey");
}

jwt::Policy TokenFactory::PolicyFor(jwt::Alg alg, std::string kid,
                                    int64_t leeway) {
  jwt::Policy p;
  p.keys.push_back(KeyFor(alg, std::move(kid)));
  p.issuers.push_back(std::string(kTestIssuer));
  p.audiences.push_back(std::string(kTestAudience));
  p.leeway_seconds = leeway;
  return p;
}

}  // namespace jwtgate::testing
