// File: jwtgate/http/path_normalizer.h
//
// SPEC §4 path normalisation, a pure function: `%2E`/`%2e` decoded, `.` and
// `..` segments resolved (RFC 3986 §5.2.4), the query kept untouched.
// Implemented in src/http/path_normalizer.cc.
#ifndef JWTGATE_HTTP_PATH_NORMALIZER_H_
#define JWTGATE_HTTP_PATH_NORMALIZER_H_

#include <string>
#include <string_view>

namespace jwtgate::http {

enum class PathVerdict {
  kOk,
  kNotOriginForm,  // target does not start with '/'
  kEncodedSlash,   // %2F or %5C (either case)
  kNul,            // %00 or a raw NUL
  kAboveRoot,      // ".." would climb above "/"
  kBadEscape,      // '%' not followed by two hex digits
};

// Normalises request-target `target` (origin-form, with optional query) into
// `out` (cleared first; its capacity is reused, so no allocation once warm).
// `out` = normalised path + the original "?query" if any.
PathVerdict NormalizeTarget(std::string_view target, std::string* out);

}  // namespace jwtgate::http

#endif  // JWTGATE_HTTP_PATH_NORMALIZER_H_
