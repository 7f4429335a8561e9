// File: jwtgate/http/answer.h
//
// The gateway's own answers (SPEC §4): a JSON body
// {"error":"...","message":"..."} with Content-Type: application/json,
// optional WWW-Authenticate, and Connection: close when the connection
// ends after it. Pure functions appending to a caller-owned string.
#ifndef JWTGATE_HTTP_ANSWER_H_
#define JWTGATE_HTTP_ANSWER_H_

#include <string>
#include <string_view>

namespace jwtgate::http {

struct Answer {
  int status = 500;
  // Short machine code ("invalid_token", "not_found"); empty: the default
  // code for the status.
  std::string_view error{};
  // Human text; empty: the default text for the status.
  std::string_view message{};
  // Full WWW-Authenticate value, empty: header not sent.
  std::string_view www_authenticate{};
  bool close = false;
  // HTTP/1.0 client keeping the connection: add "Connection: keep-alive".
  bool client_http10 = false;
  // Answer to a HEAD request: headers only (Content-Length still given).
  bool head_request = false;
};

// Appends the full response (head and body) for `answer`.
void AppendAnswer(const Answer& answer, std::string* out);

// Standard reason phrase ("Not Found"), "Unknown" for others.
std::string_view ReasonPhrase(int status);
// Default error code of the JSON body ("not_found", "bad_gateway").
std::string_view DefaultErrorCode(int status);

// Appends `in` as JSON string content (quotes, backslashes and control
// characters escaped).
void AppendJsonString(std::string_view in, std::string* out);

}  // namespace jwtgate::http

#endif  // JWTGATE_HTTP_ANSWER_H_
