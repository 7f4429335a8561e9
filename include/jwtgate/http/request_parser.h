// File: jwtgate/http/request_parser.h
//
// Incremental HTTP/1.x request parser for the client side: llhttp in request
// mode with no lenient flag, plus the checks llhttp does not make (obs-fold,
// bare CR/LF, header-name syntax, Transfer-Encoding obfuscation, TE on
// HTTP/1.0, Host rules). llhttp callbacks only record spans.
//
// Usage per message:
//   parser.Start(arena);                      // bytes live in `arena`
//   FeedHead(arena + a, n, &used) ... until kHeadComplete or kError
//   if head().has_body(): FeedBody(bytes, n, &used) until kMessageComplete
//
// Owned by one connection; not thread-safe; not movable (llhttp keeps a
// pointer to it).
#ifndef JWTGATE_HTTP_REQUEST_PARSER_H_
#define JWTGATE_HTTP_REQUEST_PARSER_H_

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jwtgate/http/message_head.h"

namespace jwtgate::http {

// Why a request is refused before anything reaches an upstream.
enum class RequestError : uint8_t {
  kNone,
  kMalformed,      // 400: request line / header syntax
  kBadLineEnding,  // 400: bare CR or LF, NUL, obs-fold
  kBadHeaderName,  // 400: empty or non-token header name
  kSmuggling,      // 400: CL+TE, two Content-Lengths, bad Transfer-Encoding
  kBadHost,        // 400: HTTP/1.1 without exactly one valid Host
  kBadChunk,       // 400: chunked body syntax
  kHeadTooLarge,   // 431: head over max_head_bytes or too many headers
  kBadVersion,     // 505: not HTTP/1.0 or HTTP/1.1
};
int StatusFor(RequestError e);
std::string_view RequestErrorName(RequestError e);

class RequestParser {
 public:
  enum class Result { kNeedMore, kHeadComplete, kMessageComplete, kError };

  RequestParser(uint32_t max_head_bytes, uint32_t max_headers);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Begins a new message whose head bytes will be fed from `base` onwards
  // (spans are offsets from `base`).
  void Start(const char* base);
  // The head buffer moved (it grew): same bytes, new address.
  void Rebase(const char* base) { base_ = base; }

  // Feeds head bytes; `data` must lie inside the buffer given to Start().
  // kHeadComplete: `*consumed` bytes (up to and including the blank line)
  // were used, the rest belongs to the body or the next message.
  // kNeedMore: all used. kError: see error().
  Result FeedHead(const char* data, size_t len, size_t* consumed);

  // After kHeadComplete of a message with has_body(): feeds body bytes
  // (anywhere in memory). kMessageComplete: the body ended after
  // `*consumed` bytes. kNeedMore: all used. kError: bad chunk syntax.
  Result FeedBody(const char* data, size_t len, size_t* consumed);

  const RequestHead& head() const { return head_; }
  RequestError error() const { return error_; }
  // llhttp's reason for a syntax error (static text, no request bytes).
  const char* error_reason() const { return reason_; }
  // Raw body bytes consumed so far, chunk framing included.
  uint64_t body_bytes() const { return body_bytes_; }

 private:
  static int OnMethod(llhttp_t* p, const char* at, size_t len);
  static int OnUrl(llhttp_t* p, const char* at, size_t len);
  static int OnHeaderField(llhttp_t* p, const char* at, size_t len);
  static int OnHeaderFieldComplete(llhttp_t* p);
  static int OnHeaderValue(llhttp_t* p, const char* at, size_t len);
  static int OnHeadersComplete(llhttp_t* p);
  static int OnMessageComplete(llhttp_t* p);
  static void Extend(Span* span, uint32_t off, size_t len);

  Result Fail(RequestError e, const char* reason);
  RequestError ValidateHead(const char* head_begin, const char* head_end);

  llhttp_t parser_;
  llhttp_settings_t settings_;
  const uint32_t max_head_bytes_;
  const uint32_t max_headers_;
  const char* base_ = nullptr;
  int64_t head_begin_ = -1;  // offset of the first byte fed, -1: none yet
  RequestHead head_;
  RequestError error_ = RequestError::kNone;
  const char* reason_ = "";
  uint64_t body_bytes_ = 0;
  uint32_t fed_ = 0;  // head bytes fed so far
  bool in_field_ = false;
  bool value_started_ = false;
  bool head_done_ = false;
  bool message_done_ = false;
  bool too_many_headers_ = false;
};

}  // namespace jwtgate::http

#endif  // JWTGATE_HTTP_REQUEST_PARSER_H_
