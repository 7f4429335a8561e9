// String helpers for code that mixes std::string_view (our headers) with
// abseil, whose string_view is its own type in Debian's build
// (ABSL_OPTION_USE_STD_STRING_VIEW 0). Not for the request path.
#ifndef JWTGATE_SRC_CONFIG_TEXT_H_
#define JWTGATE_SRC_CONFIG_TEXT_H_

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace jwtgate::config {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view ToStd(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

namespace text_internal {
inline absl::string_view Arg(std::string_view s) { return ToAbsl(s); }
template <typename T>
const T& Arg(const T& v) {
  return v;
}
}  // namespace text_internal

// Whitespace here is ASCII space, tab, CR, LF, VT, FF.
std::string_view StripWs(std::string_view s);
std::string_view StripLeadingWs(std::string_view s);
std::string_view StripTrailingWs(std::string_view s);
std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// absl::StrCat that also takes std::string_view arguments.
template <typename... Args>
std::string Cat(const Args&... args) {
  return absl::StrCat(text_internal::Arg(args)...);
}

}  // namespace jwtgate::config

#endif  // JWTGATE_SRC_CONFIG_TEXT_H_
