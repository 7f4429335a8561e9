// File: src/jwt/claim_path.h
//
// The shared syntax of a CLAIM in `require` rules and `claim_header`:
// segments joined by '.', each either bare (`org`, `id`) or double-quoted
// (`"https://example.com/roles"`, with \" and \\ escapes). Private to src/jwt.
#ifndef JWTGATE_SRC_JWT_CLAIM_PATH_H_
#define JWTGATE_SRC_JWT_CLAIM_PATH_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "jwtgate/jwt/policy.h"

namespace jwtgate::jwt {

// Parses a claim path at the start of `text` (no leading whitespace). A bare
// segment ends at whitespace, '.', '"', '=', '!', '~' or ','. On success
// sets `*path` and `*rest` (the text after the path).
absl::Status ParseClaimPathPrefix(std::string_view text, ClaimPath* path,
                                  std::string_view* rest);

// Parses a double-quoted string at the start of `text`; sets `*out` to its
// content and `*rest` to what follows the closing quote.
bool ParseQuoted(std::string_view text, std::string* out,
                 std::string_view* rest);

// "a.b" / "\"https://x/y\"" style rendering, for messages.
std::string ClaimPathToString(const ClaimPath& path);

}  // namespace jwtgate::jwt

#endif  // JWTGATE_SRC_JWT_CLAIM_PATH_H_
