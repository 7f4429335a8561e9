// File: jwtgate/http/body_skip.h
//
// Telling a parser about body bytes it never saw: when a body moves by
// splice, its bytes go socket -> pipe -> socket without passing through
// user space, but the parser must still count them (Content-Length state,
// message end, keep-alive). SkipBody feeds a block of zeros in their
// place; in a Content-Length body llhttp only counts bytes, so the content
// does not matter. Never use it for chunked bodies (the framing is read).
#ifndef JWTGATE_HTTP_BODY_SKIP_H_
#define JWTGATE_HTTP_BODY_SKIP_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace jwtgate::http {

inline constexpr size_t kSkipBlockBytes = 16 * 1024;
inline constexpr char kSkipBlock[kSkipBlockBytes] = {};

// Feeds `n` stand-in body bytes to `parser` (RequestParser or
// ResponseParser) and returns its last result; stops early at the message
// end or an error (`*skipped` tells how many were taken).
template <typename Parser>
typename Parser::Result SkipBody(Parser& parser, uint64_t n,
                                 uint64_t* skipped) {
  *skipped = 0;
  typename Parser::Result r = Parser::Result::kNeedMore;
  while (n > 0) {
    const size_t chunk =
        static_cast<size_t>(std::min<uint64_t>(n, kSkipBlockBytes));
    size_t used = 0;
    r = parser.FeedBody(kSkipBlock, chunk, &used);
    *skipped += used;
    n -= used;
    if (r != Parser::Result::kNeedMore) break;
  }
  return r;
}

}  // namespace jwtgate::http

#endif  // JWTGATE_HTTP_BODY_SKIP_H_
