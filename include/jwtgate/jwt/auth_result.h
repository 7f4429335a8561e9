// File: jwtgate/jwt/auth_result.h
//
// Why a request was (not) authorised: a small enum on the hot path, mapped
// in exactly one place (AnswerFor) to the HTTP answer of SPEC §4.
#ifndef JWTGATE_JWT_AUTH_RESULT_H_
#define JWTGATE_JWT_AUTH_RESULT_H_

#include <cstdint>
#include <string_view>

namespace jwtgate::jwt {

enum class AuthResult : uint8_t {
  kOk,
  kNoToken,            // 401, WWW-Authenticate without error=
  kMultipleTokens,     // 400 (two different tokens in one request)
  kTokenTooLarge,      // 401 invalid_token
  kMalformed,          // 401: segments, base64url, JSON
  kUnsupportedAlg,     // 401: none, unknown, or not the key's alg
  kUnknownCrit,        // 401
  kNoKey,              // 401: no candidate key (kid/alg)
  kBadSignature,       // 401
  kMissingExp,         // 401
  kExpired,            // 401
  kNotYetValid,        // 401 (nbf)
  kIssuedInFuture,     // 401 (iat)
  kBadTimeClaim,       // 401: exp/nbf/iat not a JSON number
  kBadIssuer,          // 401
  kBadAudience,        // 401
  kBadClaimValue,      // 401: claim_header value of wrong type / control char
  kInsufficientScope,  // 403: a require rule failed
};
inline constexpr int kAuthResultCount = 18;

struct AuthAnswer {
  int status;                        // 400, 401 or 403
  std::string_view error;            // "invalid_token", "insufficient_scope", ""
  std::string_view description;      // RFC 6750 error_description
};

AuthAnswer AnswerFor(AuthResult r);
// Stable snake_case name for logs and metrics labels ("expired", "ok").
std::string_view AuthResultName(AuthResult r);

}  // namespace jwtgate::jwt

#endif  // JWTGATE_JWT_AUTH_RESULT_H_
