// Response framing: HEAD, 1xx, 204, 304, chunked, Content-Length,
// close-delimited.
#include "jwtgate/http/response_parser.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace jwtgate::http {
namespace {

using R = ResponseParser::Result;

struct Exchange {
  std::vector<int> statuses;  // every head seen, interim ones included
  R last = R::kNeedMore;
  std::string rest;         // bytes after the final message
  uint64_t body_bytes = 0;  // raw body bytes of the final message
  bool keep_alive = false;
  bool until_eof = false;
};

// Runs a whole upstream byte stream through the parser the way the relay
// does: head, body, and on 1xx the next head. `eof` calls Finish() at the end.
Exchange RunWire(const std::string& wire, bool head_request, bool eof,
                 size_t step = 0) {
  ResponseParser p(16 * 1024, 64);
  std::string arena = wire;
  const char* base = arena.data();
  p.Start(base, head_request);
  Exchange ex;
  size_t pos = 0;
  if (step == 0) step = wire.size() + 1;
  bool in_head = true;
  for (;;) {
    size_t n = std::min(step, wire.size() - pos);
    size_t used = 0;
    R r = in_head ? p.FeedHead(base + pos, n, &used)
                  : p.FeedBody(base + pos, n, &used);
    pos += used;
    ex.last = r;
    if (r == R::kError) return ex;
    if (r == R::kHeadComplete) {
      ex.statuses.push_back(p.head().status);
      ex.until_eof = p.body_until_eof();
      in_head = false;
      continue;
    }
    if (r == R::kMessageComplete) {
      if (p.head().informational() && p.head().status != 101) {
        p.NextMessage(base + pos);
        in_head = true;
        continue;
      }
      ex.rest = wire.substr(pos);
      ex.body_bytes = p.body_bytes();
      ex.keep_alive = p.keep_alive();
      return ex;
    }
    if (pos >= wire.size()) {
      if (eof && !in_head) {
        ex.last = p.Finish();
        ex.body_bytes = p.body_bytes();
        ex.keep_alive = p.keep_alive();
      }
      return ex;
    }
  }
}

TEST(ResponseParserTest, ContentLengthBody) {
  for (size_t step : {0, 1, 3}) {
    Exchange ex = RunWire("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloX",
                          false, false, step);
    ASSERT_EQ(ex.last, R::kMessageComplete) << step;
    EXPECT_EQ(ex.statuses, std::vector<int>({200}));
    EXPECT_EQ(ex.body_bytes, 5u);
    EXPECT_EQ(ex.rest, "X");
    EXPECT_TRUE(ex.keep_alive);
  }
}

TEST(ResponseParserTest, HeadResponseHasNoBodyDespiteContentLength) {
  Exchange ex =
      RunWire("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", true, false);
  ASSERT_EQ(ex.last, R::kMessageComplete);
  EXPECT_EQ(ex.body_bytes, 0u);
  EXPECT_TRUE(ex.keep_alive);
}

TEST(ResponseParserTest, NoContentAndNotModifiedHaveNoBody) {
  Exchange a = RunWire("HTTP/1.1 204 No Content\r\n\r\n", false, false);
  EXPECT_EQ(a.last, R::kMessageComplete);
  Exchange b = RunWire(
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", false, false);
  EXPECT_EQ(b.last, R::kMessageComplete);
  EXPECT_EQ(b.body_bytes, 0u);
}

TEST(ResponseParserTest, InterimResponsesThenTheRealOne) {
  for (size_t step : {0, 1}) {
    Exchange ex = RunWire(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n"
        "\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
        false, false, step);
    ASSERT_EQ(ex.last, R::kMessageComplete);
    EXPECT_EQ(ex.statuses, std::vector<int>({100, 103, 201}));
    EXPECT_EQ(ex.body_bytes, 2u);
  }
}

TEST(ResponseParserTest, ChunkedBodyIncludingFraming) {
  const std::string body = "4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n";
  for (size_t step : {0, 1, 4}) {
    Exchange ex = RunWire(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body + "Z",
        false, false, step);
    ASSERT_EQ(ex.last, R::kMessageComplete) << step;
    EXPECT_EQ(ex.body_bytes, body.size());
    EXPECT_EQ(ex.rest, "Z");
  }
}

// Fuzz finding response_head/trailer-transfer-encoding: llhttp's flags take
// in trailer fields too, so a trailer "Transfer-Encoding: 0" made a chunked
// body look read-until-EOF; the upstream closing mid-trailer then looked
// like the end of a close-delimited body to body_until_eof().
TEST(ResponseParserTest, TrailerFieldsDoNotChangeTheFraming) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\nTransfer-Encoding: 0";
  ResponseParser p(16 * 1024, 64);
  p.Start(wire.data(), false);
  size_t used = 0;
  ASSERT_EQ(p.FeedHead(wire.data(), wire.size(), &used), R::kHeadComplete);
  EXPECT_FALSE(p.body_until_eof());
  size_t body_used = 0;
  ASSERT_EQ(p.FeedBody(wire.data() + used, wire.size() - used, &body_used),
            R::kNeedMore);
  EXPECT_FALSE(p.body_until_eof()) << "a trailer field changed the framing";
  EXPECT_EQ(p.Finish(), R::kError);
}

TEST(ResponseParserTest, DecodedChunkedBodyReachesTheSink) {
  struct Sink : ResponseParser::BodySink {
    std::string data;
    void OnBodyData(std::string_view d) override { data.append(d); }
  } sink;
  ResponseParser p(16 * 1024, 64);
  std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n";
  p.Start(wire.data(), false);
  size_t used;
  ASSERT_EQ(p.FeedHead(wire.data(), wire.size(), &used), R::kHeadComplete);
  p.set_body_sink(&sink);
  size_t more;
  ASSERT_EQ(p.FeedBody(wire.data() + used, wire.size() - used, &more),
            R::kMessageComplete);
  EXPECT_EQ(sink.data, "Wikipedia");
}

TEST(ResponseParserTest, CloseDelimitedBodyEndsAtEof) {
  Exchange ex = RunWire("HTTP/1.1 200 OK\r\n\r\nuntil the end", false, true);
  EXPECT_TRUE(ex.until_eof);
  ASSERT_EQ(ex.last, R::kMessageComplete);
  EXPECT_EQ(ex.body_bytes, 13u);
  EXPECT_FALSE(ex.keep_alive);

  Exchange empty = RunWire("HTTP/1.1 200 OK\r\n\r\n", false, true);
  EXPECT_EQ(empty.last, R::kMessageComplete);
}

TEST(ResponseParserTest, EofInsideALengthBodyIsAnError) {
  Exchange ex = RunWire("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
                        false, true);
  EXPECT_EQ(ex.last, R::kError);
}

TEST(ResponseParserTest, ConnectionCloseAndHttp10AreNotKeepAlive) {
  EXPECT_FALSE(
      RunWire(
          "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
          false, false)
          .keep_alive);
  EXPECT_FALSE(
      RunWire("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false, false)
          .keep_alive);
  EXPECT_TRUE(RunWire("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
                      "Content-Length: 0\r\n\r\n",
                      false, false)
                  .keep_alive);
}

TEST(ResponseParserTest, GarbageIsAnError) {
  EXPECT_EQ(RunWire("HELLO\r\n\r\n", false, false).last, R::kError);
  EXPECT_EQ(RunWire("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2"
                    "\r\n\r\n",
                    false, false)
                .last,
            R::kError);
}

// Fuzz finding response_head-status-below-100: "014" was status 14.
TEST(ResponseParserTest, StatusBelow100IsAnError) {
  for (const char* status : {"014", "099", "000"}) {
    Exchange ex = RunWire(
        std::string("HTTP/1.1 ") + status + " X\r\nContent-Length: 0\r\n\r\n",
        false, false);
    EXPECT_EQ(ex.last, R::kError) << status;
    EXPECT_TRUE(ex.statuses.empty()) << status;
  }
  EXPECT_EQ(RunWire("HTTP/1.1 100 Continue\r\n\r\n"
                    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                    false, false)
                .statuses,
            std::vector<int>({100, 200}));
}

// Fuzz finding response_head-obs-fold: a folded value kept its CRLF SP and
// would have reached the client as a second header line.
TEST(ResponseParserTest, ObsFoldIsAnError) {
  for (size_t step : {0, 1, 7}) {
    for (const char* fold : {"\r\n Injected: yes", "\r\n\tmore"}) {
      Exchange ex = RunWire(std::string("HTTP/1.1 200 OK\r\nX-A: one") + fold +
                                "\r\nContent-Length: 0\r\n\r\n",
                            false, false, step);
      EXPECT_EQ(ex.last, R::kError) << step;
    }
  }
  // Inner whitespace without a line break stays legal.
  Exchange ok = RunWire(
      "HTTP/1.1 200 OK\r\nX-A: one \t two\r\n"
      "Content-Length: 0\r\n\r\n",
      false, false);
  EXPECT_EQ(ok.last, R::kMessageComplete);
}

// Fuzz finding response_head/te-chunked-htab: llhttp read "chunked<HTAB>"
// as an unknown coding (body up to EOF) while the client, given the trimmed
// value, would have read chunks.
TEST(ResponseParserTest, TransferEncodingThatLlhttpReadsOtherwiseIsAnError) {
  for (const char* te : {"chunked\t", "gzip, chunked\t"}) {
    Exchange ex =
        RunWire(std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: ") + te +
                    "\r\n\r\n0\r\n\r\n",
                false, true);
    EXPECT_EQ(ex.last, R::kError) << te;
  }
  // Agreeing readings pass: chunked last (any case, OWS around) is chunked,
  // another final coding is a body up to EOF.
  for (const char* te : {"chunked", "CHUNKED", "chunked ", "gzip, chunked"}) {
    Exchange ex =
        RunWire(std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: ") + te +
                    "\r\n\r\n3\r\nabc\r\n0\r\n\r\nX",
                false, false);
    EXPECT_EQ(ex.last, R::kMessageComplete) << te;
    EXPECT_FALSE(ex.until_eof) << te;
    EXPECT_EQ(ex.rest, "X") << te;
  }
  Exchange gzip = RunWire(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc", false, true);
  EXPECT_EQ(gzip.last, R::kMessageComplete);
  EXPECT_TRUE(gzip.until_eof);
  EXPECT_EQ(gzip.body_bytes, 3u);
}

TEST(ResponseParserTest, SwitchingProtocolsCompletesAtTheHead) {
  Exchange ex = RunWire(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\n\r\nFRAMES",
      false, false);
  ASSERT_EQ(ex.last, R::kMessageComplete);
  EXPECT_EQ(ex.statuses, std::vector<int>({101}));
  EXPECT_EQ(ex.rest, "FRAMES");
}

}  // namespace
}  // namespace jwtgate::http
