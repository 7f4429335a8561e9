// File: jwtgate/http/token_extractor.h
//
// Finds the bearer token of a request (SPEC §3): `Authorization: Bearer
// <token>` (scheme case-insensitive, one or more spaces), else the route's
// token cookie. Two different tokens in one request (two Authorization
// headers, two cookies of that name, or header and cookie disagreeing) are
// a conflict (400). An empty token counts as none. Pure function; the
// token is a view into the head buffer.
#ifndef JWTGATE_HTTP_TOKEN_EXTRACTOR_H_
#define JWTGATE_HTTP_TOKEN_EXTRACTOR_H_

#include <string_view>

#include "jwtgate/http/message_head.h"

namespace jwtgate::http {

struct TokenSearch {
  enum class Status { kNone, kFound, kConflict };
  Status status = Status::kNone;
  std::string_view token;  // when kFound
};

// `cookie_name` empty: cookies are not consulted.
TokenSearch ExtractToken(const char* base, const RequestHead& head,
                         std::string_view cookie_name);

}  // namespace jwtgate::http

#endif  // JWTGATE_HTTP_TOKEN_EXTRACTOR_H_
