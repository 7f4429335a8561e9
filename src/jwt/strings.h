// File: src/jwt/strings.h
//
// Debian's abseil 20220623 has its own absl::string_view (not an alias of
// std::string_view), so absl string helpers do not take std::string_view.
// These bridge the two for src/jwt.
#ifndef JWTGATE_SRC_JWT_STRINGS_H_
#define JWTGATE_SRC_JWT_STRINGS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace jwtgate::jwt {

inline absl::string_view Sv(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view StdSv(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

inline bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}
inline std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  return s;
}
inline std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}
inline std::string_view Trim(std::string_view s) {
  return TrimRight(TrimLeft(s));
}

}  // namespace jwtgate::jwt

#endif  // JWTGATE_SRC_JWT_STRINGS_H_
