// llhttp request-mode adapter: span recording, pause points, error mapping.
// The checks llhttp leaves to us live in request_checks.cc.
#include "jwtgate/http/request_parser.h"

#include <cstring>

namespace jwtgate::http {

int StatusFor(RequestError e) {
  switch (e) {
    case RequestError::kNone:
      return 200;
    case RequestError::kHeadTooLarge:
      return 431;
    case RequestError::kBadVersion:
      return 505;
    default:
      return 400;
  }
}

std::string_view RequestErrorName(RequestError e) {
  switch (e) {
    case RequestError::kNone:
      return "none";
    case RequestError::kMalformed:
      return "malformed";
    case RequestError::kBadLineEnding:
      return "bad_line_ending";
    case RequestError::kBadHeaderName:
      return "bad_header_name";
    case RequestError::kSmuggling:
      return "smuggling";
    case RequestError::kBadHost:
      return "bad_host";
    case RequestError::kBadChunk:
      return "bad_chunk";
    case RequestError::kHeadTooLarge:
      return "head_too_large";
    case RequestError::kBadVersion:
      return "bad_version";
  }
  return "malformed";
}

RequestParser::RequestParser(uint32_t max_head_bytes, uint32_t max_headers)
    : max_head_bytes_(max_head_bytes), max_headers_(max_headers) {
  llhttp_settings_init(&settings_);
  settings_.on_method = &OnMethod;
  settings_.on_url = &OnUrl;
  settings_.on_header_field = &OnHeaderField;
  settings_.on_header_field_complete = &OnHeaderFieldComplete;
  settings_.on_header_value = &OnHeaderValue;
  settings_.on_headers_complete = &OnHeadersComplete;
  settings_.on_message_complete = &OnMessageComplete;
  head_.headers.reserve(32);
  Start(nullptr);
}

void RequestParser::Start(const char* base) {
  // No llhttp_set_lenient_* call anywhere: every relaxation is a smuggling
  // risk for a proxy.
  llhttp_init(&parser_, HTTP_REQUEST, &settings_);
  parser_.data = this;
  base_ = base;
  head_begin_ = -1;
  head_.Clear();
  error_ = RequestError::kNone;
  reason_ = "";
  body_bytes_ = 0;
  fed_ = 0;
  in_field_ = false;
  value_started_ = false;
  head_done_ = false;
  message_done_ = false;
  too_many_headers_ = false;
}

void RequestParser::Extend(Span* span, uint32_t off, size_t len) {
  span->len = static_cast<uint32_t>(off + len - span->off);
}

int RequestParser::OnMethod(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<RequestParser*>(p->data);
  const uint32_t off = static_cast<uint32_t>(at - self->base_);
  if (self->head_.method_text.len == 0) self->head_.method_text.off = off;
  Extend(&self->head_.method_text, off, len);
  return 0;
}

int RequestParser::OnUrl(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<RequestParser*>(p->data);
  const uint32_t off = static_cast<uint32_t>(at - self->base_);
  if (self->head_.target.len == 0) self->head_.target.off = off;
  Extend(&self->head_.target, off, len);
  return 0;
}

int RequestParser::OnHeaderField(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<RequestParser*>(p->data);
  const uint32_t off = static_cast<uint32_t>(at - self->base_);
  if (!self->in_field_) {
    if (self->head_.headers.size() >= self->max_headers_) {
      self->too_many_headers_ = true;
      llhttp_set_error_reason(p, "Too many header fields");
      return HPE_USER;
    }
    self->head_.headers.push_back(HeaderField{Span{off, 0}, Span{}});
    self->in_field_ = true;
    self->value_started_ = false;
  }
  Extend(&self->head_.headers.back().name, off, len);
  return 0;
}

int RequestParser::OnHeaderFieldComplete(llhttp_t* p) {
  auto* self = static_cast<RequestParser*>(p->data);
  self->in_field_ = false;
  return 0;
}

int RequestParser::OnHeaderValue(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<RequestParser*>(p->data);
  const uint32_t off = static_cast<uint32_t>(at - self->base_);
  Span& value = self->head_.headers.back().value;
  if (!self->value_started_) {
    value.off = off;
    self->value_started_ = true;
  }
  Extend(&value, off, len);
  return 0;
}

int RequestParser::OnHeadersComplete(llhttp_t* p) {
  (void)p;
  return HPE_PAUSED;  // FeedHead validates and reports the head
}

int RequestParser::OnMessageComplete(llhttp_t* p) {
  auto* self = static_cast<RequestParser*>(p->data);
  self->message_done_ = true;
  return HPE_PAUSED;  // stop before any pipelined byte
}

RequestParser::Result RequestParser::Fail(RequestError e, const char* reason) {
  error_ = e;
  reason_ = reason;
  return Result::kError;
}

RequestParser::Result RequestParser::FeedHead(const char* data, size_t len,
                                              size_t* consumed) {
  *consumed = 0;
  if (error_ != RequestError::kNone) return Result::kError;
  if (head_begin_ < 0) head_begin_ = data - base_;
  llhttp_errno_t err = llhttp_execute(&parser_, data, len);
  if (err == HPE_PAUSED) {
    const char* end = llhttp_get_error_pos(&parser_);
    *consumed = static_cast<size_t>(end - data);
    fed_ += static_cast<uint32_t>(*consumed);
    const char* begin = base_ + head_begin_;
    head_.head_bytes = static_cast<uint32_t>(end - begin);
    if (head_.head_bytes > max_head_bytes_) {
      return Fail(RequestError::kHeadTooLarge, "Request head too large");
    }
    RequestError e = ValidateHead(begin, end);
    if (e != RequestError::kNone) return Fail(e, reason_);
    head_done_ = true;
    return Result::kHeadComplete;
  }
  if (err == HPE_OK) {
    *consumed = len;
    fed_ += static_cast<uint32_t>(len);
    if (fed_ > max_head_bytes_) {
      return Fail(RequestError::kHeadTooLarge, "Request head too large");
    }
    return Result::kNeedMore;
  }
  const char* reason = llhttp_get_error_reason(&parser_);
  if (reason == nullptr) reason = "";
  switch (err) {
    case HPE_USER:
      return Fail(too_many_headers_ ? RequestError::kHeadTooLarge
                                    : RequestError::kMalformed,
                  reason);
    case HPE_INVALID_VERSION:
      return Fail(RequestError::kBadVersion, reason);
    case HPE_UNEXPECTED_CONTENT_LENGTH:
    case HPE_INVALID_CONTENT_LENGTH:
    case HPE_INVALID_TRANSFER_ENCODING:
      return Fail(RequestError::kSmuggling, reason);
    case HPE_CR_EXPECTED:
    case HPE_LF_EXPECTED:
      return Fail(RequestError::kBadLineEnding, reason);
    default:
      // A head over the limit that also fails to parse is still too large.
      if (fed_ + static_cast<size_t>(llhttp_get_error_pos(&parser_) - data) >
          max_head_bytes_) {
        return Fail(RequestError::kHeadTooLarge, "Request head too large");
      }
      return Fail(RequestError::kMalformed, reason);
  }
}

RequestParser::Result RequestParser::FeedBody(const char* data, size_t len,
                                              size_t* consumed) {
  *consumed = 0;
  if (error_ != RequestError::kNone) return Result::kError;
  if (message_done_) return Result::kMessageComplete;
  if (llhttp_get_errno(&parser_) == HPE_PAUSED) llhttp_resume(&parser_);
  llhttp_errno_t err = llhttp_execute(&parser_, data, len);
  if (err == HPE_PAUSED && message_done_) {
    *consumed = static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
    body_bytes_ += *consumed;
    return Result::kMessageComplete;
  }
  if (err == HPE_OK) {
    *consumed = len;
    body_bytes_ += len;
    return Result::kNeedMore;
  }
  const char* reason = llhttp_get_error_reason(&parser_);
  return Fail(
      head_.chunked ? RequestError::kBadChunk : RequestError::kMalformed,
      reason != nullptr ? reason : "");
}

}  // namespace jwtgate::http
