// llhttp response-mode adapter.
#include "jwtgate/http/response_parser.h"

namespace jwtgate::http {

ResponseParser::ResponseParser(uint32_t max_head_bytes, uint32_t max_headers)
    : max_head_bytes_(max_head_bytes), max_headers_(max_headers) {
  llhttp_settings_init(&settings_);
  settings_.on_status = &OnStatus;
  settings_.on_header_field = &OnHeaderField;
  settings_.on_header_field_complete = &OnHeaderFieldComplete;
  settings_.on_header_value = &OnHeaderValue;
  settings_.on_headers_complete = &OnHeadersComplete;
  settings_.on_body = &OnBody;
  settings_.on_message_complete = &OnMessageComplete;
  head_.headers.reserve(32);
  Start(nullptr, false);
}

void ResponseParser::ResetHeadState(const char* base) {
  base_ = base;
  head_begin_ = -1;
  head_.Clear();
  reason_ = "";
  body_bytes_ = 0;
  fed_ = 0;
  until_eof_ = false;
  in_field_ = false;
  value_started_ = false;
  message_done_ = false;
}

void ResponseParser::Start(const char* base, bool request_was_head) {
  llhttp_init(&parser_, HTTP_RESPONSE, &settings_);
  parser_.data = this;
  request_was_head_ = request_was_head;
  failed_ = false;
  keep_alive_ = false;
  sink_ = nullptr;
  ResetHeadState(base);
}

void ResponseParser::NextMessage(const char* base) {
  // llhttp already sits at the start of the next message.
  ResetHeadState(base);
  if (llhttp_get_errno(&parser_) == HPE_PAUSED) llhttp_resume(&parser_);
}

int ResponseParser::OnStatus(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<ResponseParser*>(p->data);
  const uint32_t off = static_cast<uint32_t>(at - self->base_);
  if (self->head_.reason.len == 0) self->head_.reason.off = off;
  self->head_.reason.len =
      static_cast<uint32_t>(off + len - self->head_.reason.off);
  return 0;
}

int ResponseParser::OnHeaderField(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<ResponseParser*>(p->data);
  const uint32_t off = static_cast<uint32_t>(at - self->base_);
  if (!self->in_field_) {
    if (self->head_.headers.size() >= self->max_headers_) {
      llhttp_set_error_reason(p, "Too many header fields");
      return HPE_USER;
    }
    self->head_.headers.push_back(HeaderField{Span{off, 0}, Span{}});
    self->in_field_ = true;
    self->value_started_ = false;
  }
  Span& name = self->head_.headers.back().name;
  name.len = static_cast<uint32_t>(off + len - name.off);
  return 0;
}

int ResponseParser::OnHeaderFieldComplete(llhttp_t* p) {
  static_cast<ResponseParser*>(p->data)->in_field_ = false;
  return 0;
}

int ResponseParser::OnHeaderValue(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<ResponseParser*>(p->data);
  const uint32_t off = static_cast<uint32_t>(at - self->base_);
  Span& value = self->head_.headers.back().value;
  if (!self->value_started_) {
    value.off = off;
    self->value_started_ = true;
  }
  value.len = static_cast<uint32_t>(off + len - value.off);
  return 0;
}

int ResponseParser::OnHeadersComplete(llhttp_t* p) {
  auto* self = static_cast<ResponseParser*>(p->data);
  // Responses to HEAD, 1xx, 204 and 304 have no body whatever their
  // headers say (RFC 9112 §6.3; llhttp 8 would read a 304's
  // Content-Length). Setting F_SKIPBODY is what returning 1 would do; we
  // also want the pause.
  const int status = p->status_code;
  if (self->request_was_head_ || status < 200 || status == 204 ||
      status == 304) {
    p->flags |= F_SKIPBODY;
  }
  return HPE_PAUSED;
}

int ResponseParser::OnBody(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<ResponseParser*>(p->data);
  if (self->sink_ != nullptr) {
    self->sink_->OnBodyData(std::string_view(at, len));
  }
  return 0;
}

int ResponseParser::OnMessageComplete(llhttp_t* p) {
  auto* self = static_cast<ResponseParser*>(p->data);
  self->message_done_ = true;
  self->keep_alive_ = llhttp_should_keep_alive(p) != 0;
  return HPE_PAUSED;
}

ResponseParser::Result ResponseParser::Fail(const char* reason) {
  failed_ = true;
  reason_ = reason != nullptr ? reason : "";
  return Result::kError;
}

bool ResponseParser::FinishHead(const char* head_begin, const char* head_end) {
  head_.head_bytes = static_cast<uint32_t>(head_end - head_begin);
  head_.status = static_cast<uint16_t>(llhttp_get_status_code(&parser_));
  head_.http_major = llhttp_get_http_major(&parser_);
  head_.http_minor = llhttp_get_http_minor(&parser_);
  if (head_.http_major != 1) return false;
  // llhttp reads "014" as 14; a status code is three digits, 1xx-9xx
  // (RFC 9110 §15), and anything else would be relayed as a two-digit one.
  if (head_.status < 100) return false;
  const uint16_t flags = parser_.flags;
  head_.chunked = (flags & F_CHUNKED) != 0;
  head_.has_content_length = (flags & F_CONTENT_LENGTH) != 0;
  head_.content_length = head_.has_content_length ? parser_.content_length : 0;
  // Decided by the head: llhttp's flags also take in trailer fields, so a
  // trailer "Transfer-Encoding: x" would turn a chunked body into one read
  // until EOF (fuzz finding response_head/trailer-transfer-encoding).
  until_eof_ = llhttp_message_needs_eof(&parser_) != 0;
  bool te_chunked = false;  // the final transfer coding is chunked
  for (HeaderField& h : head_.headers) {
    const std::string_view raw = h.value.In(base_);
    const std::string_view trimmed = TrimOws(raw);
    h.value.off += static_cast<uint32_t>(trimmed.data() - raw.data());
    h.value.len = static_cast<uint32_t>(trimmed.size());
    // llhttp continues a value over an obs-fold line (CRLF then SP/HTAB),
    // keeping the line break in it. RFC 9112 §5.2 lets a gateway refuse such
    // a response (502) rather than relay the fold.
    if (trimmed.find_first_of("\r\n") != std::string_view::npos) return false;
    const std::string_view name = h.name.In(base_);
    if (name.empty()) return false;
    for (char c : name) {
      if (!IsTokenChar(c)) return false;
    }
    if (name.size() == 17 && EqualsIgnoreCase(name, "transfer-encoding")) {
      ForEachListElement(trimmed, [&](std::string_view coding) {
        te_chunked = EqualsIgnoreCase(coding, "chunked");
        return true;
      });
    }
  }
  // The client reads the relayed, trimmed Transfer-Encoding; llhttp takes
  // "chunked<HTAB>" for an unknown coding (a body up to EOF). Framing the
  // two would read differently is refused (fuzz finding te-chunked-htab).
  return te_chunked == head_.chunked;
}

ResponseParser::Result ResponseParser::FeedHead(const char* data, size_t len,
                                                size_t* consumed) {
  *consumed = 0;
  if (failed_) return Result::kError;
  if (head_begin_ < 0) head_begin_ = data - base_;
  llhttp_errno_t err = llhttp_execute(&parser_, data, len);
  if (err == HPE_PAUSED) {
    const char* end = llhttp_get_error_pos(&parser_);
    *consumed = static_cast<size_t>(end - data);
    const char* begin = base_ + head_begin_;
    if (static_cast<size_t>(end - begin) > max_head_bytes_) {
      return Fail("Response head too large");
    }
    if (!FinishHead(begin, end)) return Fail("Invalid response head");
    return Result::kHeadComplete;
  }
  if (err == HPE_OK) {
    *consumed = len;
    fed_ += static_cast<uint32_t>(len);
    if (fed_ > max_head_bytes_) return Fail("Response head too large");
    return Result::kNeedMore;
  }
  return Fail(llhttp_get_error_reason(&parser_));
}

ResponseParser::Result ResponseParser::FeedBody(const char* data, size_t len,
                                                size_t* consumed) {
  *consumed = 0;
  if (failed_) return Result::kError;
  if (message_done_) return Result::kMessageComplete;
  if (llhttp_get_errno(&parser_) == HPE_PAUSED) llhttp_resume(&parser_);
  llhttp_errno_t err = llhttp_execute(&parser_, data, len);
  if ((err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) && message_done_) {
    *consumed = static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
    body_bytes_ += *consumed;
    return Result::kMessageComplete;
  }
  if (err == HPE_OK) {
    *consumed = len;
    body_bytes_ += len;
    return Result::kNeedMore;
  }
  return Fail(llhttp_get_error_reason(&parser_));
}

ResponseParser::Result ResponseParser::Finish() {
  if (failed_) return Result::kError;
  if (message_done_) return Result::kMessageComplete;
  if (!body_until_eof()) return Fail("Upstream closed before the response end");
  if (llhttp_get_errno(&parser_) == HPE_PAUSED) {
    // Still paused after the head: run the after-head step (it consumes no
    // input) so llhttp knows it is in a read-until-EOF body.
    llhttp_resume(&parser_);
    static const char kNothing[1] = {0};
    if (llhttp_execute(&parser_, kNothing, 0) != HPE_OK) {
      return Fail("Upstream closed before the response end");
    }
  }
  llhttp_errno_t err = llhttp_finish(&parser_);
  if ((err == HPE_OK || err == HPE_PAUSED) && message_done_) {
    keep_alive_ = false;
    return Result::kMessageComplete;
  }
  return Fail("Upstream closed before the response end");
}

bool ResponseParser::keep_alive() const { return keep_alive_; }

}  // namespace jwtgate::http
