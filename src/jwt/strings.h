// File: src/jwt/strings.h
//
// Trimming helpers for src/jwt (and ToAbsl/ToStd from common/absl_text.h).
#ifndef JWTGATE_SRC_JWT_STRINGS_H_
#define JWTGATE_SRC_JWT_STRINGS_H_

#include <string_view>

#include "common/absl_text.h"

namespace jwtgate::jwt {

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
