// Canned gateway answers.
#include "jwtgate/http/answer.h"

#include <cstdio>

namespace jwtgate::http {
namespace {

struct StatusText {
  int status;
  std::string_view reason;
  std::string_view code;
  std::string_view message;
};

constexpr StatusText kStatusTexts[] = {
    {400, "Bad Request", "bad_request", "malformed request"},
    {401, "Unauthorized", "unauthorized", "a bearer token is required"},
    {403, "Forbidden", "forbidden", "the token does not grant access"},
    {404, "Not Found", "not_found", "no route for this request"},
    {405, "Method Not Allowed", "method_not_allowed", "method not allowed"},
    {408, "Request Timeout", "request_timeout",
     "request head not received in time"},
    {413, "Content Too Large", "payload_too_large",
     "request body over the limit"},
    {431, "Request Header Fields Too Large", "request_header_fields_too_large",
     "request head over the limit"},
    {500, "Internal Server Error", "internal_error", "internal error"},
    {502, "Bad Gateway", "bad_gateway", "upstream refused or reset"},
    {503, "Service Unavailable", "service_unavailable",
     "the gateway is shutting down"},
    {504, "Gateway Timeout", "gateway_timeout", "upstream timed out"},
    {505, "HTTP Version Not Supported", "http_version_not_supported",
     "only HTTP/1.0 and HTTP/1.1 are served"},
};

const StatusText* Find(int status) {
  for (const StatusText& t : kStatusTexts) {
    if (t.status == status) return &t;
  }
  return nullptr;
}

void AppendNumber(size_t v, std::string* out) {
  char buf[24];
  int n = std::snprintf(buf, sizeof(buf), "%zu", v);
  out->append(buf, static_cast<size_t>(n));
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  const StatusText* t = Find(status);
  return t != nullptr ? t->reason : "Unknown";
}

std::string_view DefaultErrorCode(int status) {
  const StatusText* t = Find(status);
  return t != nullptr ? t->code : "error";
}

void AppendJsonString(std::string_view in, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : in) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 0xf]);
    } else {
      out->push_back(c);
    }
  }
}

void AppendAnswer(const Answer& answer, std::string* out) {
  const StatusText* t = Find(answer.status);
  std::string_view error = answer.error;
  if (error.empty()) error = t != nullptr ? t->code : "error";
  std::string_view message = answer.message;
  if (message.empty()) message = t != nullptr ? t->message : "error";

  // The body is built first: the head carries its length.
  std::string body;
  body.reserve(64 + error.size() + message.size());
  body.append("{\"error\":\"");
  AppendJsonString(error, &body);
  body.append("\",\"message\":\"");
  AppendJsonString(message, &body);
  body.append("\"}\n");

  out->append("HTTP/1.1 ");
  AppendNumber(static_cast<size_t>(answer.status), out);
  out->push_back(' ');
  out->append(ReasonPhrase(answer.status));
  out->append("\r\nContent-Type: application/json\r\nContent-Length: ");
  AppendNumber(body.size(), out);
  out->append("\r\nCache-Control: no-store\r\n");
  if (!answer.www_authenticate.empty()) {
    out->append("WWW-Authenticate: ");
    out->append(answer.www_authenticate);
    out->append("\r\n");
  }
  if (answer.close) {
    out->append("Connection: close\r\n");
  } else if (answer.client_http10) {
    out->append("Connection: keep-alive\r\n");
  }
  out->append("\r\n");
  if (!answer.head_request) out->append(body);
}

}  // namespace jwtgate::http
