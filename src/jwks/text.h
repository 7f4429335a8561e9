// File: src/jwks/text.h
//
// Debian's abseil 20220623 has its own absl::string_view (not an alias of
// std::string_view), so absl string helpers do not take std::string_view.
// These bridge the two for src/jwks (and its tests). Not for hot paths.
#ifndef JWTGATE_SRC_JWKS_TEXT_H_
#define JWTGATE_SRC_JWKS_TEXT_H_

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace jwtgate::jwks {

inline absl::string_view Sv(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view StdSv(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

namespace text_internal {
inline absl::string_view Arg(std::string_view s) { return Sv(s); }
inline absl::string_view Arg(const char* s) { return absl::string_view(s); }
inline absl::string_view Arg(const std::string& s) { return Sv(s); }
template <typename T>
const T& Arg(const T& v) {
  return v;
}
}  // namespace text_internal

// absl::StrCat / StrAppend that also take std::string_view arguments.
template <typename... Args>
std::string Cat(const Args&... args) {
  return absl::StrCat(text_internal::Arg(args)...);
}
template <typename... Args>
void Append(std::string* out, const Args&... args) {
  absl::StrAppend(out, text_internal::Arg(args)...);
}

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
