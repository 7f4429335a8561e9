// File: tests/fuzz/head_checks.h
//
// Helpers shared by the HTTP head fuzz targets: chunked feeding sizes and
// a plain line-by-line reading of heads jwtgate wrote, to compare with what
// its parser makes of them. Header-only; pure functions.
#ifndef JWTGATE_TESTS_FUZZ_HEAD_CHECKS_H_
#define JWTGATE_TESTS_FUZZ_HEAD_CHECKS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "jwtgate/http/message_head.h"
#include "tests/fuzz/fuzz_check.h"

namespace jwtgate::fuzz {

// Feed step for control bits 0-2: how many bytes each Feed* call gets.
inline size_t FeedStep(unsigned bits) {
  static constexpr size_t kSteps[] = {1, 2, 3, 7, 16, 61, 256, 1 << 30};
  return kSteps[bits & 7];
}

struct WrittenField {
  std::string_view name;
  std::string_view value;
};

// Splits a head we wrote ("start line\r\n(name: value\r\n)*\r\n") by CRLF
// and the first ':'; every CR and LF must belong to a CRLF.
inline std::vector<WrittenField> SplitWrittenHead(std::string_view head) {
  FUZZ_CHECK(head.size() >= 4 && head.substr(head.size() - 4) == "\r\n\r\n",
             "written head does not end with an empty line");
  size_t crlf = 0, cr = 0, lf = 0;
  for (size_t i = 0; i < head.size(); ++i) {
    cr += head[i] == '\r';
    lf += head[i] == '\n';
    crlf += head[i] == '\r' && i + 1 < head.size() && head[i + 1] == '\n';
  }
  FUZZ_CHECK(cr == crlf && lf == crlf, "written head holds a bare CR or LF");
  std::vector<WrittenField> out;
  size_t pos = head.find("\r\n") + 2;  // past the start line
  while (pos < head.size() - 2) {
    const size_t end = head.find("\r\n", pos);
    const std::string_view line = head.substr(pos, end - pos);
    const size_t colon = line.find(':');
    FUZZ_CHECK(colon != std::string_view::npos, "written header without ':'");
    out.push_back(
        {line.substr(0, colon), http::TrimOws(line.substr(colon + 1))});
    pos = end + 2;
  }
  return out;
}

// The parsed fields of a re-parsed written head equal the written lines.
inline void ExpectSameFields(const char* base,
                             const std::vector<http::HeaderField>& parsed,
                             std::string_view written) {
  const std::vector<WrittenField> lines = SplitWrittenHead(written);
  FUZZ_CHECK(parsed.size() == lines.size(),
             "re-parsed head has another number of fields than written");
  for (size_t i = 0; i < lines.size(); ++i) {
    FUZZ_CHECK(parsed[i].name.In(base) == lines[i].name &&
                   parsed[i].value.In(base) == lines[i].value,
               "re-parsed field differs from the written line");
  }
}

inline int CountFields(const char* base,
                       const std::vector<http::HeaderField>& fields,
                       std::string_view name) {
  int n = 0;
  for (const http::HeaderField& f : fields) {
    n += http::EqualsIgnoreCase(f.name.In(base), name);
  }
  return n;
}

// The value of the only field `name` (call after CountFields == 1).
inline std::string_view FieldValue(const char* base,
                                   const std::vector<http::HeaderField>& fields,
                                   std::string_view name) {
  for (const http::HeaderField& f : fields) {
    if (http::EqualsIgnoreCase(f.name.In(base), name)) return f.value.In(base);
  }
  return {};
}

inline bool SpanWithin(const http::Span& s, size_t begin, size_t end) {
  return s.off >= begin && static_cast<size_t>(s.off) + s.len <= end;
}

}  // namespace jwtgate::fuzz

#endif  // JWTGATE_TESTS_FUZZ_HEAD_CHECKS_H_
