// Fuzz target: response head parsing (upstream side) and the client
// response head jwtgate writes from it.
//
// Input: byte 0 = control (bits 0-2 feed step, bit 3 the request was HEAD,
// bit 4 close the client connection, bit 5 HTTP/1.0 client, bit 6 decode a
// chunked body for the client); the rest is what one upstream connection
// sends: up to 4 responses, each with interim 1xx heads, head fed in
// pieces, then its body; at the end of the input the upstream closes.
//
// Invariants (FUZZ_CHECK), for every head that completes:
//   1. HTTP/1.x, status 100-999, spans inside the head, names are tokens,
//      values trimmed and free of CR/LF/NUL, never chunked and
//      Content-Length at once;
//   2. a response without a body (1xx, 204, 304, to HEAD) completes on an
//      empty feed;
//   3. the client head re-parses cleanly: same status, reason and framing
//      (chunked unless decoded), one line per field, no hop-by-hop field
//      except a tunnel's Upgrade, Connection: close exactly when closing;
//   4. a Content-Length body ends after exactly that many bytes; decoded
//      chunked data is never longer than the raw body;
//   5. at EOF, Finish() completes exactly the close-delimited bodies.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "jwtgate/http/head_writer.h"
#include "jwtgate/http/response_parser.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/head_checks.h"

namespace jwtgate::fuzz {
namespace {

using http::ResponseParser;
using R = ResponseParser::Result;

class CountingSink : public ResponseParser::BodySink {
 public:
  void OnBodyData(std::string_view data) override { bytes += data.size(); }
  uint64_t bytes = 0;
};

// Invariant 1 for `h`, whose bytes are [begin, begin + head_bytes).
void CheckHead(const char* base, size_t begin, const http::ResponseHead& h) {
  const size_t end = begin + h.head_bytes;
  FUZZ_CHECK(h.http_major == 1, "not HTTP/1.x");
  FUZZ_CHECK(h.status >= 100 && h.status <= 999, "status out of range");
  FUZZ_CHECK(h.reason.empty() || SpanWithin(h.reason, begin, end),
             "reason span outside the head");
  FUZZ_CHECK(!(h.chunked && h.has_content_length), "both chunked and length");
  for (const http::HeaderField& f : h.headers) {
    FUZZ_CHECK(SpanWithin(f.name, begin, end) &&
                   (f.value.empty() || SpanWithin(f.value, begin, end)),
               "field span outside the head");
    const std::string_view name = f.name.In(base);
    const std::string_view value = f.value.In(base);
    FUZZ_CHECK(!name.empty(), "empty field name");
    for (char c : name) FUZZ_CHECK(http::IsTokenChar(c), "bad field name");
    FUZZ_CHECK(value.find_first_of(std::string_view("\r\n\0", 3)) ==
                   std::string_view::npos,
               "CR, LF or NUL in a field value");
    FUZZ_CHECK(http::TrimOws(value) == value, "untrimmed field value");
  }
}

// Invariant 3.
void CheckClientHead(const char* base, const http::ResponseHead& h,
                     const http::ClientHeadParams& p, bool was_head) {
  std::string out;
  http::WriteClientResponseHead(base, h, p, &out);
  ResponseParser re(1 << 20, 512);
  re.Start(out.data(), was_head);
  size_t used = 0;
  FUZZ_CHECK(re.FeedHead(out.data(), out.size(), &used) == R::kHeadComplete &&
                 used == out.size(),
             "the client response head does not re-parse");
  const http::ResponseHead& c = re.head();
  const char* cb = out.data();
  ExpectSameFields(cb, c.headers, out);
  FUZZ_CHECK(c.status == h.status, "status changed");
  FUZZ_CHECK(c.reason.In(cb) == h.reason.In(base), "reason changed");
  FUZZ_CHECK(c.chunked == (h.chunked && !p.dechunk), "chunking changed");
  FUZZ_CHECK(c.has_content_length == h.has_content_length &&
                 c.content_length == h.content_length,
             "Content-Length changed");
  for (const char* hop : {"keep-alive", "proxy-connection", "te", "trailer"}) {
    FUZZ_CHECK(CountFields(cb, c.headers, hop) == 0, "hop-by-hop field sent");
  }
  const int conn = CountFields(cb, c.headers, "connection");
  const std::string_view conn_value = FieldValue(cb, c.headers, "connection");
  if (p.tunnel) {
    FUZZ_CHECK(conn == 1 && conn_value == "Upgrade", "tunnel without Upgrade");
  } else {
    FUZZ_CHECK(CountFields(cb, c.headers, "upgrade") == 0, "Upgrade sent");
    if (p.close) {
      FUZZ_CHECK(conn == 1 && conn_value == "close", "close not announced");
    } else if (p.client_http10) {
      FUZZ_CHECK(conn == 1 && conn_value == "keep-alive",
                 "HTTP/1.0 keep-alive not announced");
    } else {
      FUZZ_CHECK(conn == 0, "an upstream Connection field reached the client");
    }
  }
}

bool Bodyless(const http::ResponseHead& h, bool was_head) {
  return was_head || h.status < 200 || h.status == 204 || h.status == 304;
}

}  // namespace
}  // namespace jwtgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace jwtgate::fuzz;
  if (size < 1 || size > 64 * 1024) return -1;
  const uint8_t ctl = data[0];
  const size_t step = FeedStep(ctl);
  const bool was_head = (ctl & 0x08) != 0;
  // The upstream connection's head arena.
  const std::string arena(reinterpret_cast<const char*>(data + 1), size - 1);
  const char* base = arena.data();

  ResponseParser parser(16 * 1024, 64);
  size_t pos = 0;
  for (int exchange = 0; exchange < 4 && pos < arena.size(); ++exchange) {
    parser.Start(base, was_head);
    CountingSink sink;
    parser.set_body_sink(&sink);
    bool have_head = false;
    for (int interim = 0; interim < 8 && !have_head; ++interim) {
      const size_t begin = pos;
      R r = R::kNeedMore;
      while (pos < arena.size()) {
        const size_t n = std::min(step, arena.size() - pos);
        size_t used = 0;
        r = parser.FeedHead(base + pos, n, &used);
        FUZZ_CHECK(used <= n, "FeedHead consumed more than given");
        pos += used;
        if (r != R::kNeedMore) break;
      }
      if (r == R::kError) {
        FUZZ_CHECK(parser.error_reason() != nullptr, "error without reason");
        return 0;
      }
      if (r != R::kHeadComplete) {
        (void)parser.Finish();  // the upstream closed mid-head
        return 0;
      }
      const jwtgate::http::ResponseHead& h = parser.head();
      FUZZ_CHECK(h.head_bytes == pos - begin, "head_bytes is not consumed");
      CheckHead(base, begin, h);
      jwtgate::http::ClientHeadParams p;
      p.close = (ctl & 0x10) != 0;
      p.client_http10 = (ctl & 0x20) != 0;
      p.dechunk = (ctl & 0x40) != 0 && h.chunked;
      p.tunnel = h.status == 101;
      CheckClientHead(base, h, p, was_head);
      if (h.status == 101) return 0;  // the rest would be a tunnel
      if (Bodyless(h, was_head)) {
        size_t used = 1;
        FUZZ_CHECK(
            parser.FeedBody(base + pos, 0, &used) == R::kMessageComplete &&
                used == 0,
            "a body-less response did not complete on an empty feed");
      }
      if (h.informational()) {
        parser.NextMessage(base);
        continue;
      }
      have_head = true;
    }
    if (!have_head) return 0;
    const jwtgate::http::ResponseHead& h = parser.head();
    R r = Bodyless(h, was_head) ? R::kMessageComplete : R::kNeedMore;
    while (r == R::kNeedMore && pos < arena.size()) {
      const size_t n = std::min(step, arena.size() - pos);
      size_t used = 0;
      r = parser.FeedBody(base + pos, n, &used);
      FUZZ_CHECK(used <= n, "FeedBody consumed more than given");
      pos += used;
    }
    if (r == R::kError) return 0;
    if (r == R::kNeedMore) {
      // Invariant 5: the upstream closes here.
      const bool eof_body = parser.body_until_eof();
      r = parser.Finish();
      FUZZ_CHECK((r == R::kMessageComplete) == eof_body,
                 "Finish() and body_until_eof() disagree");
      FUZZ_CHECK(r != R::kMessageComplete || !parser.keep_alive(),
                 "a close-delimited response kept the connection");
    }
    if (r != R::kMessageComplete) return 0;
    // Invariant 4.
    if (h.has_content_length && !Bodyless(h, was_head)) {
      FUZZ_CHECK(parser.body_bytes() == h.content_length,
                 "a Content-Length body ended at another length");
    }
    FUZZ_CHECK(sink.bytes <= parser.body_bytes(),
               "more decoded body than raw body");
    if (!parser.keep_alive()) return 0;
  }
  return 0;
}
