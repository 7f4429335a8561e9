// File: tests/testing/upstream/text.h
//
// Small std::string_view helpers for jwtgate_test_upstream. (Debian's abseil
// is built with its own absl::string_view, which std::string_view does not
// convert to, so absl's string functions are avoided here.)
#ifndef JWTGATE_TESTS_TESTING_UPSTREAM_TEXT_H_
#define JWTGATE_TESTS_TESTING_UPSTREAM_TEXT_H_

#include <string_view>
#include <vector>

namespace jwtgate::testing {

inline char LowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

// Strips spaces and tabs (HTTP optional whitespace) at both ends.
inline std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits on `sep`; empty pieces are dropped when `skip_empty`.
inline std::vector<std::string_view> Split(std::string_view s, char sep,
                                           bool skip_empty) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t end = s.find(sep, start);
    std::string_view piece =
        s.substr(start, end == std::string_view::npos ? std::string_view::npos
                                                      : end - start);
    if (!piece.empty() || !skip_empty) out.push_back(piece);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_TESTING_UPSTREAM_TEXT_H_
