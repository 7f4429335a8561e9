// llhttp-driven reader of one HTTP response (see the header).
#include "jwks/http_response_reader.h"

#include <algorithm>

#include "jwks/text.h"

namespace jwtgate::jwks {
namespace {

constexpr int64_t kMaxAgeCeiling = 365 * 24 * 3600;

}  // namespace

std::optional<int64_t> ParseCacheControlMaxAge(std::string_view value) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view directive = TrimSpace(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view()
                                            : value.substr(comma + 1);
    const size_t eq = directive.find('=');
    if (eq == std::string_view::npos) continue;
    if (!EqualsNoCase(TrimSpace(directive.substr(0, eq)), "max-age")) continue;
    std::string_view arg = TrimSpace(directive.substr(eq + 1));
    if (arg.size() >= 2 && arg.front() == '"' && arg.back() == '"') {
      arg = arg.substr(1, arg.size() - 2);
    }
    if (arg.empty()) return std::nullopt;
    int64_t seconds = 0;
    for (char c : arg) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      seconds = std::min(kMaxAgeCeiling, seconds * 10 + (c - '0'));
    }
    return seconds;
  }
  return std::nullopt;
}

HttpResponseReader::HttpResponseReader(size_t max_body_bytes)
    : max_body_bytes_(max_body_bytes) {
  llhttp_settings_init(&settings_);
  settings_.on_header_field = &OnHeaderField;
  settings_.on_header_value = &OnHeaderValue;
  settings_.on_header_value_complete = &OnHeaderValueComplete;
  settings_.on_headers_complete = &OnHeadersComplete;
  settings_.on_body = &OnBody;
  settings_.on_message_complete = &OnMessageComplete;
  llhttp_init(&parser_, HTTP_RESPONSE, &settings_);
  parser_.data = this;
}

int HttpResponseReader::OnHeaderField(llhttp_t* p, const char* at, size_t n) {
  Self(p).field_.append(at, n);
  return 0;
}

int HttpResponseReader::OnHeaderValue(llhttp_t* p, const char* at, size_t n) {
  Self(p).value_.append(at, n);
  return 0;
}

int HttpResponseReader::OnHeaderValueComplete(llhttp_t* p) {
  HttpResponseReader& self = Self(p);
  if (EqualsNoCase(self.field_, "cache-control")) {
    if (!self.cache_control_.empty()) self.cache_control_.push_back(',');
    self.cache_control_.append(self.value_);
  }
  self.field_.clear();
  self.value_.clear();
  return 0;
}

int HttpResponseReader::OnHeadersComplete(llhttp_t* p) {
  HttpResponseReader& self = Self(p);
  self.status_ = llhttp_get_status_code(p);
  self.interim_ = self.status_ >= 100 && self.status_ < 200;
  if (self.interim_) return 0;
  // Stop at the head: a non-200 answer is refused without reading its body.
  if (self.status_ != 200) return HPE_PAUSED;
  if ((p->flags & F_CONTENT_LENGTH) != 0 &&
      p->content_length > self.max_body_bytes_) {
    self.too_large_ = true;
    return -1;
  }
  return 0;
}

int HttpResponseReader::OnBody(llhttp_t* p, const char* at, size_t n) {
  HttpResponseReader& self = Self(p);
  if (self.body_.size() + n > self.max_body_bytes_) {
    self.too_large_ = true;
    return -1;
  }
  self.body_.append(at, n);
  return 0;
}

int HttpResponseReader::OnMessageComplete(llhttp_t* p) {
  HttpResponseReader& self = Self(p);
  if (self.interim_) {
    // A 1xx: the real response follows.
    self.interim_ = false;
    self.cache_control_.clear();
    self.body_.clear();
    return 0;
  }
  self.complete_ = true;
  return HPE_PAUSED;  // ignore anything after the response
}

absl::Status HttpResponseReader::ErrorFrom(llhttp_errno_t err) const {
  if (too_large_) {
    return absl::ResourceExhaustedError(
        Cat("response body is larger than the limit of ", max_body_bytes_,
            " bytes"));
  }
  if (status_ != 0 && status_ != 200 && !interim_) {
    return absl::UnavailableError(
        Cat("server answered HTTP ", status_, " (want 200)"));
  }
  return absl::InvalidArgumentError(
      Cat("malformed HTTP response (", llhttp_errno_name(err), ": ",
          llhttp_get_error_reason(&parser_), ")"));
}

absl::Status HttpResponseReader::Feed(std::string_view bytes) {
  if (complete_) return absl::OkStatus();
  const llhttp_errno_t err =
      llhttp_execute(&parser_, bytes.data(), bytes.size());
  if (err == HPE_OK) return absl::OkStatus();
  if (err == HPE_PAUSED && complete_) return absl::OkStatus();
  return ErrorFrom(err);  // also HPE_PAUSED at a non-200 head
}

absl::Status HttpResponseReader::FinishAtEof(bool clean) {
  if (complete_) return absl::OkStatus();
  if (status_ == 0) {
    return absl::UnavailableError("connection closed before a response");
  }
  if (llhttp_get_errno(&parser_) == HPE_OK &&
      llhttp_message_needs_eof(&parser_)) {
    if (!clean) {
      return absl::DataLossError(
          "connection closed without TLS close_notify before a body "
          "delimited by the close: refused as possibly truncated");
    }
    const llhttp_errno_t err = llhttp_finish(&parser_);
    if ((err == HPE_OK || err == HPE_PAUSED) && complete_) {
      return absl::OkStatus();
    }
    return ErrorFrom(err);
  }
  return absl::UnavailableError(
      "connection closed before the response was complete");
}

std::optional<int64_t> HttpResponseReader::max_age_seconds() const {
  if (cache_control_.empty()) return std::nullopt;
  return ParseCacheControlMaxAge(cache_control_);
}

}  // namespace jwtgate::jwks
