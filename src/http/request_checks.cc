// The request-head checks llhttp (strict build, no lenient flags) does not
// make itself, run once per head before anything is forwarded: raw line
// endings and obs-fold, header-name syntax, Transfer-Encoding shape, HTTP
// version, Host. Decisions where RFC 9112 leaves room:
//  - two identical Content-Length headers are refused like different ones
//    (llhttp refuses any duplicate; no client needs to send two);
//  - Transfer-Encoding must be a list of tokens ending in exactly one
//    `chunked`, with no trailing whitespace; TE on HTTP/1.0 is refused;
//  - HTTP/1.1 needs exactly one non-empty Host of authority characters.
#include <llhttp.h>

#include <cstring>

#include "jwtgate/http/request_parser.h"

namespace jwtgate::http {
namespace {

bool IsHostChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9')) {
    return true;
  }
  switch (c) {
    case '.':
    case '-':
    case '_':
    case '~':
    case ':':
    case '[':
    case ']':
    case '%':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
      return true;
    default:
      return false;
  }
}

// Bare LF and obs-fold (a line starting with SP/HTAB) over the raw head
// bytes. (Strict llhttp already refuses bare CR and NUL; bare LF is checked
// here too so the rule does not depend on its build flags.)
bool RawLinesOk(const char* begin, const char* end) {
  const char* p = begin;
  while (p < end) {
    const char* lf = static_cast<const char*>(
        std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (lf == nullptr) return true;
    if (lf == begin || lf[-1] != '\r') return false;
    if (lf + 1 < end && (lf[1] == ' ' || lf[1] == '\t')) return false;
    p = lf + 1;
  }
  return true;
}

}  // namespace

RequestError RequestParser::ValidateHead(const char* head_begin,
                                         const char* head_end) {
  if (!RawLinesOk(head_begin, head_end)) {
    reason_ = "Bare LF or obs-fold in request head";
    return RequestError::kBadLineEnding;
  }
  head_.method = llhttp_get_method(&parser_);
  head_.http_major = llhttp_get_http_major(&parser_);
  head_.http_minor = llhttp_get_http_minor(&parser_);
  if (head_.http_major != 1 || head_.http_minor > 1) {
    reason_ = "Only HTTP/1.0 and HTTP/1.1 are served";
    return RequestError::kBadVersion;
  }
  if (head_.method == HTTP_CONNECT) {
    // llhttp ends a CONNECT at its head (a tunnel follows): a body it
    // declares would be read as the next request while the upstream reads
    // it as the body (fuzz finding request_head/connect-with-body). A
    // reverse proxy serves no CONNECT.
    reason_ = "CONNECT is not served";
    return RequestError::kMalformed;
  }
  if (head_.target.len == 0 || head_.method_text.len == 0) {
    reason_ = "Empty request line part";
    return RequestError::kMalformed;
  }

  int host_count = 0;
  bool has_te = false;
  bool te_ok = true;
  bool connection_upgrade = false;
  bool upgrade_websocket = false;
  for (size_t i = 0; i < head_.headers.size(); ++i) {
    HeaderField& h = head_.headers[i];
    const std::string_view name = h.name.In(base_);
    if (name.empty()) {
      reason_ = "Empty header name";
      return RequestError::kBadHeaderName;
    }
    for (char c : name) {
      if (!IsTokenChar(c)) {
        reason_ = "Invalid header name";
        return RequestError::kBadHeaderName;
      }
    }
    // Values are recorded untrimmed at the end; trim trailing OWS here.
    const std::string_view raw = h.value.In(base_);
    const std::string_view trimmed = TrimOws(raw);
    h.value.off += static_cast<uint32_t>(trimmed.data() - raw.data());
    h.value.len = static_cast<uint32_t>(trimmed.size());
    if (trimmed.empty()) h.value.off = h.name.off + h.name.len;

    // Only a few names matter here; the length check keeps the rest cheap.
    switch (name.size()) {
      case 4:
        if (EqualsIgnoreCase(name, "host")) {
          ++host_count;
          head_.host_index = static_cast<int>(i);
          if (trimmed.empty()) host_count = 99;  // refused below
          for (char c : trimmed) {
            if (!IsHostChar(c)) host_count = 99;
          }
        }
        break;
      case 17:
        if (EqualsIgnoreCase(name, "transfer-encoding")) {
          has_te = true;
          if (trimmed.size() != raw.size()) te_ok = false;  // "chunked " etc.
        }
        break;
      case 10:
        if (EqualsIgnoreCase(name, "connection")) {
          ForEachListElement(trimmed, [&](std::string_view t) {
            if (EqualsIgnoreCase(t, "upgrade")) connection_upgrade = true;
            return true;
          });
        }
        break;
      case 7:
        if (EqualsIgnoreCase(name, "upgrade")) {
          ForEachListElement(trimmed, [&](std::string_view t) {
            if (EqualsIgnoreCase(t, "websocket")) upgrade_websocket = true;
            return true;
          });
        }
        break;
      case 6:
        if (EqualsIgnoreCase(name, "expect") &&
            EqualsIgnoreCase(trimmed, "100-continue")) {
          head_.expect_continue = true;
        }
        break;
      default:
        break;
    }
  }

  if (has_te) {
    // All Transfer-Encoding fields form one list (RFC 9110 §5.3): tokens
    // only, `chunked` exactly once and last.
    int chunked_seen = 0;
    bool last_chunked = false;
    for (const HeaderField& h : head_.headers) {
      if (!EqualsIgnoreCase(h.name.In(base_), "transfer-encoding")) continue;
      std::string_view list = h.value.In(base_);
      if (list.empty()) te_ok = false;
      while (te_ok && !list.empty()) {
        size_t comma = list.find(',');
        std::string_view coding = TrimOws(list.substr(0, comma));
        if (coding.empty()) te_ok = false;
        for (char c : coding) {
          if (!IsTokenChar(c)) te_ok = false;
        }
        last_chunked = EqualsIgnoreCase(coding, "chunked");
        if (last_chunked) ++chunked_seen;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
        if (list.empty()) te_ok = false;  // trailing comma
      }
    }
    if (!te_ok || chunked_seen != 1 || !last_chunked) {
      reason_ = "Transfer-Encoding is not exactly `chunked` last";
      return RequestError::kSmuggling;
    }
    if (head_.http_minor == 0) {
      reason_ = "Transfer-Encoding in an HTTP/1.0 request";
      return RequestError::kSmuggling;
    }
  }
  const uint16_t flags = parser_.flags;
  head_.chunked = (flags & F_CHUNKED) != 0;
  head_.has_content_length = (flags & F_CONTENT_LENGTH) != 0;
  head_.content_length = head_.has_content_length ? parser_.content_length : 0;
  if (has_te != head_.chunked || (head_.chunked && head_.has_content_length)) {
    reason_ = "Ambiguous message framing";
    return RequestError::kSmuggling;
  }

  if (host_count > 1 || (head_.http_minor == 1 && host_count != 1)) {
    reason_ = "HTTP/1.1 needs exactly one valid Host";
    return RequestError::kBadHost;
  }
  head_.keep_alive = llhttp_should_keep_alive(&parser_) != 0;
  head_.websocket_upgrade = head_.method == HTTP_GET && connection_upgrade &&
                            upgrade_websocket && !head_.has_body();
  return RequestError::kNone;
}

}  // namespace jwtgate::http
