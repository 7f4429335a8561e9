// File: src/jwt/jws.h
//
// Compact JWS structure: splitting into segments and reading the protected
// header (RFC 7515 §4, §7.1). Private to src/jwt; used by the Verifier.
#ifndef JWTGATE_SRC_JWT_JWS_H_
#define JWTGATE_SRC_JWT_JWS_H_

#include <simdjson.h>

#include <string_view>

#include "jwtgate/jwt/alg.h"
#include "jwtgate/jwt/auth_result.h"

namespace jwtgate::jwt {

struct JwsParts {
  std::string_view header;         // base64url
  std::string_view payload;        // base64url
  std::string_view signature;      // base64url (may be empty)
  std::string_view signing_input;  // "header.payload"
};

// Exactly three segments separated by '.', header and payload non-empty;
// otherwise kMalformed.
AuthResult SplitJws(std::string_view token, JwsParts* parts);

struct JoseHeader {
  Alg alg = Alg::kHS256;
  bool has_kid = false;
  std::string_view kid;  // valid until `parser` parses again
};

// Reads the decoded header `json` (len bytes, `capacity` >= len +
// SIMDJSON_PADDING readable). Requires a JSON object with a string "alg";
// "kid", "typ", "cty" must be strings when present; any "crit" →
// kUnknownCrit (no extension is understood; an empty list is malformed);
// "jku", "x5u", "jwk", "x5c" are ignored, never followed. Duplicate
// alg/kid/crit, trailing bytes or bad JSON → kMalformed; an alg that is
// "none" or unknown → kUnsupportedAlg.
// True when every token of `doc` has been consumed (no trailing bytes).
bool AtEnd(simdjson::ondemand::document& doc);

AuthResult ParseJoseHeader(simdjson::ondemand::parser& parser,
                           const uint8_t* json, size_t len, size_t capacity,
                           JoseHeader* out);

}  // namespace jwtgate::jwt

#endif  // JWTGATE_SRC_JWT_JWS_H_
