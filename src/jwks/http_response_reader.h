// File: src/jwks/http_response_reader.h
//
// Collects one HTTP/1.1 response (to a GET) with llhttp in response mode:
// status, `Cache-Control` and the body, bounded in size. Bodies framed by
// Content-Length, chunked, or the end of the connection are supported;
// 1xx interim responses are skipped. Private to src/jwks.
//
// Thread rule: one reader per response, used by one thread.
#ifndef JWTGATE_SRC_JWKS_HTTP_RESPONSE_READER_H_
#define JWTGATE_SRC_JWKS_HTTP_RESPONSE_READER_H_

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace jwtgate::jwks {

// The `max-age` directive of a Cache-Control value, in seconds; nullopt when
// absent or malformed. Directive names are case-insensitive; a quoted value
// is accepted; huge values saturate at one year.
std::optional<int64_t> ParseCacheControlMaxAge(std::string_view value);

class HttpResponseReader {
 public:
  explicit HttpResponseReader(size_t max_body_bytes);
  HttpResponseReader(const HttpResponseReader&) = delete;
  HttpResponseReader& operator=(const HttpResponseReader&) = delete;

  // Feeds the next bytes of the connection. Returns an error when the bytes
  // are not valid HTTP, the status is not 200, or the body grows past the
  // limit. Bytes after the end of the response are ignored.
  absl::Status Feed(std::string_view bytes);
  // The peer closed the connection. `clean` is false when the close was not
  // authenticated (TLS without close_notify): a body delimited only by the
  // close is then refused as possibly truncated.
  absl::Status FinishAtEof(bool clean);

  // True once a whole 200 response has been read.
  bool complete() const { return complete_; }
  int status() const { return status_; }
  std::optional<int64_t> max_age_seconds() const;
  std::string TakeBody() { return std::move(body_); }

 private:
  static int OnHeaderField(llhttp_t* p, const char* at, size_t n);
  static int OnHeaderValue(llhttp_t* p, const char* at, size_t n);
  static int OnHeaderValueComplete(llhttp_t* p);
  static int OnHeadersComplete(llhttp_t* p);
  static int OnBody(llhttp_t* p, const char* at, size_t n);
  static int OnMessageComplete(llhttp_t* p);
  static HttpResponseReader& Self(llhttp_t* p) {
    return *static_cast<HttpResponseReader*>(p->data);
  }
  absl::Status ErrorFrom(llhttp_errno_t err) const;

  const size_t max_body_bytes_;
  llhttp_settings_t settings_;
  llhttp_t parser_;
  int status_ = 0;
  bool interim_ = false;    // the current message is a 1xx
  bool too_large_ = false;  // body limit hit
  bool complete_ = false;
  std::string field_;
  std::string value_;
  std::string cache_control_;  // all Cache-Control values, comma-joined
  std::string body_;
};

}  // namespace jwtgate::jwks

#endif  // JWTGATE_SRC_JWKS_HTTP_RESPONSE_READER_H_
