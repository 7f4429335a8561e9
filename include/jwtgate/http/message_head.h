// File: jwtgate/http/message_head.h
//
// Parsed HTTP/1.x message heads as spans (offset + length) into the
// connection's own head buffer: the parser never copies header bytes, and a
// head stays valid while that buffer is not compacted. Plain values; the
// vectors keep their capacity across messages so a warm connection does not
// allocate per request.
#ifndef JWTGATE_HTTP_MESSAGE_HEAD_H_
#define JWTGATE_HTTP_MESSAGE_HEAD_H_

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace jwtgate::http {

// Bytes [off, off + len) of a head buffer.
struct Span {
  uint32_t off = 0;
  uint32_t len = 0;

  std::string_view In(const char* base) const {
    return std::string_view(base + off, len);
  }
  bool empty() const { return len == 0; }
};

struct HeaderField {
  Span name;
  Span value;  // without leading/trailing whitespace
};

// What the request head says about itself. Filled by RequestParser.
struct RequestHead {
  uint8_t method = 0;  // llhttp_method_t
  Span method_text;
  Span target;
  uint8_t http_major = 1;
  uint8_t http_minor = 1;
  std::vector<HeaderField> headers;
  // Framing (validated: never both, at most one Content-Length, chunked
  // last and only once).
  bool chunked = false;
  bool has_content_length = false;
  uint64_t content_length = 0;
  // HTTP/1.1 without "Connection: close", or HTTP/1.0 with keep-alive.
  bool keep_alive = true;
  // "Upgrade: websocket" with "Connection: upgrade" on a GET.
  bool websocket_upgrade = false;
  bool expect_continue = false;  // "Expect: 100-continue"
  int host_index = -1;           // into headers, -1 when absent
  uint32_t head_bytes = 0;       // request line + headers + final CRLF

  bool has_body() const { return chunked || content_length > 0; }
  bool is_head_method() const;
  void Clear();
};

// What the response head says about itself. Filled by ResponseParser.
struct ResponseHead {
  uint16_t status = 0;
  uint8_t http_major = 1;
  uint8_t http_minor = 1;
  Span reason;
  std::vector<HeaderField> headers;
  bool chunked = false;
  bool has_content_length = false;
  uint64_t content_length = 0;
  uint32_t head_bytes = 0;

  bool informational() const { return status >= 100 && status < 200; }
  void Clear();
};

namespace head_internal {
constexpr char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}
// RFC 9110 tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" /
// "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
constexpr std::array<bool, 256> MakeTokenTable() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) {
    t[static_cast<unsigned char>(c)] = true;
  }
  return t;
}
inline constexpr std::array<bool, 256> kTokenChars = MakeTokenTable();
}  // namespace head_internal

// ASCII case-insensitive equality (header names, tokens). Inline: the
// request and response paths call it for every header.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (head_internal::AsciiLower(a[i]) != head_internal::AsciiLower(b[i])) {
      return false;
    }
  }
  return true;
}
// RFC 9110 tchar.
inline bool IsTokenChar(char c) {
  return head_internal::kTokenChars[static_cast<unsigned char>(c)];
}
// Strips leading and trailing SP / HTAB.
std::string_view TrimOws(std::string_view s);
// Calls fn(token) for each non-empty element of a comma-separated list,
// elements trimmed of OWS. Returns false if fn returns false.
template <typename Fn>
bool ForEachListElement(std::string_view list, Fn&& fn) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view element = TrimOws(list.substr(0, comma));
    if (!element.empty() && !fn(element)) return false;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return true;
}

}  // namespace jwtgate::http

#endif  // JWTGATE_HTTP_MESSAGE_HEAD_H_
