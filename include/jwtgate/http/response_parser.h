// File: jwtgate/http/response_parser.h
//
// Incremental HTTP/1.x response parser for the upstream side: llhttp in
// response mode (no lenient flag), told whether the request was HEAD so a
// body is never expected then. Handles 1xx interim responses (each is a
// complete message; call NextMessage() and parse the real one), 204/304
// (no body), chunked, Content-Length and close-delimited bodies (Finish()
// at EOF). Can also report the decoded body bytes of a chunked response
// (for HTTP/1.0 clients that cannot take chunked).
//
// Owned by one connection; not thread-safe; not movable.
#ifndef JWTGATE_HTTP_RESPONSE_PARSER_H_
#define JWTGATE_HTTP_RESPONSE_PARSER_H_

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jwtgate/http/message_head.h"

namespace jwtgate::http {

class ResponseParser {
 public:
  enum class Result { kNeedMore, kHeadComplete, kMessageComplete, kError };

  // Receives decoded body data when set (chunk framing removed).
  class BodySink {
   public:
    virtual ~BodySink() = default;
    virtual void OnBodyData(std::string_view data) = 0;
  };

  ResponseParser(uint32_t max_head_bytes, uint32_t max_headers);
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // Begins the response to a request; `base` as in RequestParser::Start.
  void Start(const char* base, bool request_was_head);
  // After an interim (1xx) response completed: parse the next head, whose
  // bytes are fed from `base` onwards.
  void NextMessage(const char* base);
  // The head buffer moved (it grew): same bytes, new address.
  void Rebase(const char* base) { base_ = base; }

  Result FeedHead(const char* data, size_t len, size_t* consumed);
  // After kHeadComplete: body bytes. kMessageComplete after `*consumed`.
  // A body-less response completes on a zero-length feed.
  Result FeedBody(const char* data, size_t len, size_t* consumed);
  // The upstream closed: completes a close-delimited body, else kError.
  Result Finish();

  // Decoded-body sink (nullptr: none). Set before FeedBody.
  void set_body_sink(BodySink* sink) { sink_ = sink; }

  const ResponseHead& head() const { return head_; }
  // The body runs until the upstream closes (as the head said).
  bool body_until_eof() const { return until_eof_; }
  // The connection may carry another exchange after this response.
  bool keep_alive() const;
  // llhttp's reason for an error (static text).
  const char* error_reason() const { return reason_; }
  uint64_t body_bytes() const { return body_bytes_; }

 private:
  static int OnStatus(llhttp_t* p, const char* at, size_t len);
  static int OnHeaderField(llhttp_t* p, const char* at, size_t len);
  static int OnHeaderFieldComplete(llhttp_t* p);
  static int OnHeaderValue(llhttp_t* p, const char* at, size_t len);
  static int OnHeadersComplete(llhttp_t* p);
  static int OnBody(llhttp_t* p, const char* at, size_t len);
  static int OnMessageComplete(llhttp_t* p);
  void ResetHeadState(const char* base);
  Result Fail(const char* reason);
  bool FinishHead(const char* head_begin, const char* head_end);

  llhttp_t parser_;
  llhttp_settings_t settings_;
  const uint32_t max_head_bytes_;
  const uint32_t max_headers_;
  const char* base_ = nullptr;
  int64_t head_begin_ = -1;  // offset of the first byte fed, -1: none yet
  ResponseHead head_;
  BodySink* sink_ = nullptr;
  const char* reason_ = "";
  uint64_t body_bytes_ = 0;
  uint32_t fed_ = 0;
  bool request_was_head_ = false;
  bool until_eof_ = false;
  bool in_field_ = false;
  bool value_started_ = false;
  bool message_done_ = false;
  bool failed_ = false;
  bool keep_alive_ = false;
};

}  // namespace jwtgate::http

#endif  // JWTGATE_HTTP_RESPONSE_PARSER_H_
