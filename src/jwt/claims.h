// File: src/jwt/claims.h
//
// The registered claims jwtgate checks (RFC 7519 §4.1: exp, nbf, iat, iss,
// aud, sub), read in one pass over the payload and checked against a
// Policy. Private to src/jwt.
#ifndef JWTGATE_SRC_JWT_CLAIMS_H_
#define JWTGATE_SRC_JWT_CLAIMS_H_

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "jwtgate/jwt/auth_result.h"
#include "jwtgate/jwt/policy.h"

namespace jwtgate::jwt {

// Views point into a caller-owned storage string (see ReadRegisteredClaims
// and Rebase).
struct RegisteredClaims {
  bool has_exp = false, has_nbf = false, has_iat = false;
  double exp = 0, nbf = 0, iat = 0;  // NumericDate, fractions allowed
  bool has_iss = false;              // iss present and a string
  std::string_view iss;
  // aud strings (a string aud gives one); non-string elements are dropped.
  absl::InlinedVector<std::string_view, 2> aud;
  bool has_sub = false;  // sub present and a string
  bool sub_bad = false;  // sub holds a control character
  std::string_view sub;
};

// One pass over the payload object of `doc`: fills `out`, copying strings
// into `*storage` (cleared; reserved to `payload_len` so views stay valid).
// Errors: kMalformed (not an object, bad JSON, trailing bytes, duplicate
// registered claim), kBadTimeClaim (exp/nbf/iat not a JSON number).
AuthResult ReadRegisteredClaims(simdjson::ondemand::document& doc,
                                size_t payload_len, std::string* storage,
                                RegisteredClaims* out);

// exp (required; now must be before exp + leeway), nbf (now + leeway >=
// nbf), iat (iat <= now + leeway), then iss and aud against the policy.
AuthResult CheckRegisteredClaims(const RegisteredClaims& claims,
                                 const Policy& policy, int64_t now_unix);

// Copies `src` into `*dst`, re-pointing its views into `*storage`.
void CopyClaims(const RegisteredClaims& src, std::string* storage,
                RegisteredClaims* dst);

}  // namespace jwtgate::jwt

#endif  // JWTGATE_SRC_JWT_CLAIMS_H_
