// File: src/jwt/claim_json.h
//
// Reading claims out of a payload held by a simdjson on-demand document:
// path lookup, the text of a scalar, header rendering. Private to src/jwt.
//
// On-demand rule: a lookup rewinds the document, which invalidates strings
// unescaped before it. Callers copy what they keep before the next lookup.
#ifndef JWTGATE_SRC_JWT_CLAIM_JSON_H_
#define JWTGATE_SRC_JWT_CLAIM_JSON_H_

#include <simdjson.h>

#include <string>
#include <string_view>

#include "jwtgate/jwt/policy.h"

namespace jwtgate::jwt {

namespace ondemand = simdjson::ondemand;

// Rewinds `doc` and walks `path` through nested objects. Returns true and
// sets `*out` when every segment is found (keys compared unescaped).
bool FindClaim(ondemand::document& doc, const ClaimPath& path,
               ondemand::value* out);

enum class ScalarKind { kNone, kString, kNumber, kBool };

// For a string, number or boolean value: its kind and text (the unescaped
// string; the number's JSON text; "true"/"false"). kNone for other types or
// malformed values. `text` is valid until the next lookup.
ScalarKind ScalarText(ondemand::value& v, std::string_view* text);

// True when `s` holds a C0 control character or DEL: never allowed in a
// header value.
bool HasControlChar(std::string_view s);

// Appends the header form of `v` to `out`: a string, number, boolean, or
// array of strings joined with ','. False (nothing sensible appended) for
// other types or when a string holds a control character.
bool AppendHeaderValue(ondemand::value& v, std::string* out);

}  // namespace jwtgate::jwt

#endif  // JWTGATE_SRC_JWT_CLAIM_JSON_H_
