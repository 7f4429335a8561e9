// String glue for code that mixes std::string_view (our headers) with
// abseil, whose string_view is its own type in Debian's build
// (ABSL_OPTION_USE_STD_STRING_VIEW 0), so absl::StrCat and friends do not
// take a std::string_view. Not for the request path.
#ifndef JWTGATE_SRC_COMMON_ABSL_TEXT_H_
#define JWTGATE_SRC_COMMON_ABSL_TEXT_H_

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace jwtgate {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view ToStd(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

namespace absl_text_internal {
inline absl::string_view Arg(std::string_view s) { return ToAbsl(s); }
inline absl::string_view Arg(const char* s) { return absl::string_view(s); }
inline absl::string_view Arg(const std::string& s) { return ToAbsl(s); }
template <typename T>
const T& Arg(const T& v) {
  return v;
}
}  // namespace absl_text_internal

// absl::StrCat / absl::StrAppend that also take std::string_view arguments.
template <typename... Args>
std::string Cat(const Args&... args) {
  return absl::StrCat(absl_text_internal::Arg(args)...);
}
template <typename... Args>
void Append(std::string* out, const Args&... args) {
  absl::StrAppend(out, absl_text_internal::Arg(args)...);
}

}  // namespace jwtgate

#endif  // JWTGATE_SRC_COMMON_ABSL_TEXT_H_
