// File: src/jwks/text.h
//
// Text helpers for src/jwks and its tests (and Cat/Append/ToAbsl from
// common/absl_text.h). Not for hot paths.
#ifndef JWTGATE_SRC_JWKS_TEXT_H_
#define JWTGATE_SRC_JWKS_TEXT_H_

#include <string>
#include <string_view>

#include "common/absl_text.h"

namespace jwtgate::jwks {

// ASCII case-insensitive equality.
inline bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

inline std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace jwtgate::jwks

#endif  // JWTGATE_SRC_JWKS_TEXT_H_
