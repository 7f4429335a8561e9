// File: tests/testing/token_factory.h
//
// Mints tokens at test time with the test keys (tests/testing/test_keys.h),
// so tests never depend on frozen token blobs. Also builds the matching
// verification keys and route policies.
//
//   TokenFactory f(clock.UnixSeconds());
//   std::string t = f.Sign(jwt::Alg::kRS256, f.Auth0Payload());
//   jwt::Policy p = f.PolicyFor(jwt::Alg::kRS256);
//
// Thread rule: a TokenFactory is a value; use one per thread.
#ifndef JWTGATE_TESTS_TESTING_TOKEN_FACTORY_H_
#define JWTGATE_TESTS_TESTING_TOKEN_FACTORY_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "jwtgate/jwt/auth_result.h"
#include "jwtgate/jwt/key.h"
#include "jwtgate/jwt/policy.h"

namespace jwtgate::testing {

inline constexpr std::string_view kTestIssuer = "https://tenant.auth0.com/";
inline constexpr std::string_view kTestAudience = "https://api.example.com";
inline constexpr std::string_view kTestSubject =
    "auth0|5f7c8ec7c33c6c004bbafe82";

class TokenFactory {
 public:
  explicit TokenFactory(int64_t now_unix) : now_(now_unix) {}

  int64_t now() const { return now_; }

  // An Auth0-shaped payload (~250-byte token with HS256): iss, sub, aud,
  // iat = now, exp = now + ttl, scope; `extra` (e.g. `"email":"a@b"`) is
  // appended as further members.
  std::string Auth0Payload(int64_t ttl_seconds = 3600,
                           std::string_view extra = "") const;

  // Signs `payload_json` under header {"alg":ALG[,"kid":KID],"typ":"JWT"}
  // with the test key of `alg`. Aborts the test binary on signing errors.
  std::string Sign(jwt::Alg alg, std::string_view payload_json,
                   std::string_view kid = "") const;
  // Signs with an explicit header JSON (for malformed-header tests).
  std::string SignWithHeader(jwt::Alg alg, std::string_view header_json,
                             std::string_view payload_json) const;

  // The verification key for `alg`'s test key: an HMAC key for HS*, the PEM
  // public key (bound to `alg`) otherwise.
  static jwt::KeyPtr KeyFor(jwt::Alg alg, std::string kid = "");

  // A policy with KeyFor(alg, kid) as its only key, the test issuer and
  // audience, and `leeway` seconds.
  static jwt::Policy PolicyFor(jwt::Alg alg, std::string kid = "",
                               int64_t leeway = 0);

 private:
  int64_t now_;
};

}  // namespace jwtgate::testing

namespace jwtgate::jwt {
// gtest prints AuthResult by name ("expired") instead of as a raw byte.
inline void PrintTo(AuthResult r, std::ostream* os) {
  *os << AuthResultName(r);
}
}  // namespace jwtgate::jwt

#endif  // JWTGATE_TESTS_TESTING_TOKEN_FACTORY_H_
