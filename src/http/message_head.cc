// Shared helpers of the head types.
#include "jwtgate/http/message_head.h"

#include <llhttp.h>

namespace jwtgate::http {
bool RequestHead::is_head_method() const { return method == HTTP_HEAD; }

void RequestHead::Clear() {
  method = 0;
  method_text = {};
  target = {};
  http_major = 1;
  http_minor = 1;
  headers.clear();
  chunked = false;
  has_content_length = false;
  content_length = 0;
  keep_alive = true;
  websocket_upgrade = false;
  expect_continue = false;
  host_index = -1;
  head_bytes = 0;
}

void ResponseHead::Clear() {
  status = 0;
  http_major = 1;
  http_minor = 1;
  reason = {};
  headers.clear();
  chunked = false;
  has_content_length = false;
  content_length = 0;
  head_bytes = 0;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace jwtgate::http
