// Request parsing and the smuggling defences, at the parser level.
#include "jwtgate/http/request_parser.h"

#include <string>

#include "gtest/gtest.h"

namespace jwtgate::http {
namespace {

struct Parsed {
  RequestParser::Result result;
  RequestError error = RequestError::kNone;
  size_t head_used = 0;   // bytes of the head
  std::string body_rest;  // bytes after the message, if it completed
};

// Feeds `text` in pieces of `step` bytes (0: all at once), copying each
// piece into an arena first as the connection does, then the body.
Parsed Parse(const std::string& text, size_t step = 0,
             uint32_t max_head = 16 * 1024, RequestParser* parser = nullptr) {
  RequestParser local(max_head, 64);
  RequestParser& p = parser != nullptr ? *parser : local;
  std::string arena = text;  // stable memory for spans
  p.Start(arena.data());
  Parsed out;
  size_t pos = 0;
  if (step == 0) step = text.size();
  for (;;) {
    size_t n = std::min(step, text.size() - pos);
    size_t used = 0;
    out.result = p.FeedHead(arena.data() + pos, n, &used);
    pos += used;
    if (out.result == RequestParser::Result::kHeadComplete) break;
    if (out.result == RequestParser::Result::kError) {
      out.error = p.error();
      return out;
    }
    if (pos >= text.size()) return out;  // kNeedMore
  }
  out.head_used = pos;
  if (!p.head().has_body()) {
    out.body_rest = text.substr(pos);
    return out;
  }
  while (pos <= text.size()) {
    size_t n = std::min(step, text.size() - pos);
    size_t used = 0;
    out.result = p.FeedBody(arena.data() + pos, n, &used);
    pos += used;
    if (out.result == RequestParser::Result::kMessageComplete) {
      out.body_rest = text.substr(pos);
      return out;
    }
    if (out.result == RequestParser::Result::kError) {
      out.error = p.error();
      return out;
    }
    if (pos >= text.size()) return out;
  }
  return out;
}

using R = RequestParser::Result;

TEST(RequestParserTest, ParsesASimpleGetWithSpans) {
  const std::string req =
      "GET /api/x?y=1 HTTP/1.1\r\nHost: example.com\r\nX-A:  spaced  \r\n"
      "Authorization: Bearer abc\r\n\r\n";
  for (size_t step : {0, 1, 3, 7}) {
    RequestParser p(16 * 1024, 64);
    std::string arena = req;
    p.Start(arena.data());
    size_t pos = 0;
    R r = R::kNeedMore;
    while (pos < arena.size()) {
      size_t used = 0;
      size_t n = std::min(step == 0 ? arena.size() : step, arena.size() - pos);
      r = p.FeedHead(arena.data() + pos, n, &used);
      pos += used;
      if (r != R::kNeedMore) break;
    }
    ASSERT_EQ(r, R::kHeadComplete) << "step " << step;
    const RequestHead& h = p.head();
    const char* b = arena.data();
    EXPECT_EQ(h.method_text.In(b), "GET");
    EXPECT_EQ(h.target.In(b), "/api/x?y=1");
    ASSERT_EQ(h.headers.size(), 3u);
    EXPECT_EQ(h.headers[0].name.In(b), "Host");
    EXPECT_EQ(h.headers[0].value.In(b), "example.com");
    EXPECT_EQ(h.headers[1].value.In(b), "spaced");
    EXPECT_EQ(h.headers[2].value.In(b), "Bearer abc");
    EXPECT_EQ(h.host_index, 0);
    EXPECT_TRUE(h.keep_alive);
    EXPECT_FALSE(h.has_body());
    EXPECT_EQ(h.head_bytes, req.size());
  }
}

TEST(RequestParserTest, ContentLengthBodyEndsExactlyAndKeepsPipelinedBytes) {
  const std::string req =
      "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
      "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";
  for (size_t step : {0, 1, 4}) {
    Parsed p = Parse(req, step);
    ASSERT_EQ(p.result, R::kMessageComplete) << step;
    EXPECT_EQ(p.body_rest, "GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
  }
}

TEST(RequestParserTest, ChunkedBodyIsValidatedAndDelimited) {
  const std::string req =
      "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT";
  for (size_t step : {0, 1, 5}) {
    Parsed p = Parse(req, step);
    ASSERT_EQ(p.result, R::kMessageComplete) << step;
    EXPECT_EQ(p.body_rest, "NEXT");
  }
}

TEST(RequestParserTest, HttpTenKeepAliveOnlyWhenAsked) {
  Parsed p = Parse("GET / HTTP/1.0\r\n\r\n");
  ASSERT_EQ(p.result, R::kHeadComplete);
  RequestParser parser(16 * 1024, 64);
  std::string a = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  parser.Start(a.data());
  size_t used;
  ASSERT_EQ(parser.FeedHead(a.data(), a.size(), &used), R::kHeadComplete);
  EXPECT_TRUE(parser.head().keep_alive);
  std::string c = "GET / HTTP/1.0\r\n\r\n";
  parser.Start(c.data());
  ASSERT_EQ(parser.FeedHead(c.data(), c.size(), &used), R::kHeadComplete);
  EXPECT_FALSE(parser.head().keep_alive);
  std::string d = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  parser.Start(d.data());
  ASSERT_EQ(parser.FeedHead(d.data(), d.size(), &used), R::kHeadComplete);
  EXPECT_FALSE(parser.head().keep_alive);
}

struct BadCase {
  const char* name;
  const char* request;
  RequestError error;
};

class SmugglingTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(SmugglingTest, IsRefusedBeforeTheBody) {
  const BadCase& c = GetParam();
  for (size_t step : {0, 1}) {
    Parsed p = Parse(c.request, step);
    EXPECT_EQ(p.result, R::kError) << c.name << " step " << step;
    EXPECT_EQ(p.error, c.error)
        << c.name << ": got " << RequestErrorName(p.error);
    EXPECT_EQ(StatusFor(p.error), StatusFor(c.error));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SmugglingTest,
    ::testing::Values(
        BadCase{"CL with TE",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                RequestError::kSmuggling},
        BadCase{"TE with CL",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                "Content-Length: 5\r\n\r\n0\r\n\r\n",
                RequestError::kSmuggling},
        // Fuzz finding request_head/connect-with-body: llhttp ends a
        // CONNECT at its head, so its body became the next request.
        BadCase{"CONNECT with CL",
                "CONNECT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                "\r\nhello",
                RequestError::kMalformed},
        BadCase{"CONNECT chunked",
                "CONNECT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
                "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                RequestError::kMalformed},
        BadCase{"CONNECT authority-form",
                "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n",
                RequestError::kMalformed},
        BadCase{"two different CL",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                "Content-Length: 6\r\n\r\nhello!",
                RequestError::kSmuggling},
        BadCase{"two identical CL",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                "Content-Length: 5\r\n\r\nhello",
                RequestError::kSmuggling},
        BadCase{"CL list",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
                RequestError::kSmuggling},
        BadCase{"CL signed",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
                RequestError::kSmuggling},
        BadCase{"TE chunked, gzip",
                "POST / HTTP/1.1\r\nHost: a\r\n"
                "Transfer-Encoding: chunked, gzip\r\n\r\n",
                RequestError::kSmuggling},
        BadCase{"TE xchunked",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked"
                "\r\n\r\n",
                RequestError::kSmuggling},
        BadCase{"TE trailing space",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked "
                "\r\n\r\n0\r\n\r\n",
                RequestError::kSmuggling},
        BadCase{"TE twice",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                RequestError::kSmuggling},
        BadCase{"TE identity",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity"
                "\r\n\r\n",
                RequestError::kSmuggling},
        BadCase{"TE on HTTP/1.0",
                "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
                "0\r\n\r\n",
                RequestError::kSmuggling},
        BadCase{"bare LF line ends", "GET / HTTP/1.1\nHost: a\n\n",
                RequestError::kMalformed},
        BadCase{"bare LF inside head",
                "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n",
                RequestError::kMalformed},
        BadCase{"bare CR", "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n",
                RequestError::kBadLineEnding},
        BadCase{"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n",
                RequestError::kBadLineEnding},
        BadCase{"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
                RequestError::kMalformed},
        BadCase{"empty header name", "GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n",
                RequestError::kBadHeaderName},
        BadCase{"bad header name", "GET / HTTP/1.1\r\nHo(st: a\r\n\r\n",
                RequestError::kMalformed},
        BadCase{"chunk size not hex",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                "\r\nzz\r\nhello\r\n0\r\n\r\n",
                RequestError::kBadChunk},
        BadCase{"chunk data without CRLF",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                "\r\n5\r\nhelloXX0\r\n\r\n",
                RequestError::kBadChunk},
        BadCase{"chunk LF only",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                "\r\n5\nhello\n0\n\n",
                RequestError::kBadChunk},
        BadCase{"chunk size overflow",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                "\r\nffffffffffffffffff\r\n",
                RequestError::kBadChunk},
        BadCase{"no Host on 1.1", "GET / HTTP/1.1\r\nX: a\r\n\r\n",
                RequestError::kBadHost},
        BadCase{"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                RequestError::kBadHost},
        BadCase{"Host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
                RequestError::kBadHost},
        BadCase{"HTTP/2.0 line", "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
                RequestError::kBadVersion},
        BadCase{"HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n",
                RequestError::kBadVersion},
        BadCase{"tab in target", "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n",
                RequestError::kMalformed},
        BadCase{"lower-case method", "get / HTTP/1.1\r\nHost: a\r\n\r\n",
                RequestError::kMalformed}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      std::string n;
      for (const char* p = info.param.name; *p; ++p) {
        n.push_back(std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_');
      }
      return n;
    });

TEST(RequestParserTest, NulInHeaderValueIsRefused) {
  // (Separate: the parameterised table holds C strings.)
  const std::string req("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 30);
  Parsed p = Parse(req);
  EXPECT_EQ(p.result, R::kError);
}

TEST(RequestParserTest, GzipThenChunkedIsAccepted) {
  Parsed p = Parse(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "0\r\n\r\n");
  EXPECT_EQ(p.result, R::kMessageComplete);
}

TEST(RequestParserTest, HeadOverTheLimitIs431EvenWhenIncomplete) {
  std::string big =
      "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(200, 'x') + "\r\n";
  Parsed incomplete = Parse(big, 0, 100);
  EXPECT_EQ(incomplete.result, R::kError);
  EXPECT_EQ(incomplete.error, RequestError::kHeadTooLarge);
  EXPECT_EQ(StatusFor(incomplete.error), 431);

  Parsed complete = Parse(big + "\r\n", 0, 100);
  EXPECT_EQ(complete.error, RequestError::kHeadTooLarge);

  // Exactly at the limit is fine.
  std::string exact = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_EQ(Parse(exact, 0, exact.size()).result, R::kHeadComplete);
  EXPECT_EQ(Parse(exact, 0, exact.size() - 1).error,
            RequestError::kHeadTooLarge);
}

TEST(RequestParserTest, TooManyHeadersIs431) {
  std::string req = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 70; ++i) req += "X-" + std::to_string(i) + ": v\r\n";
  req += "\r\n";
  Parsed p = Parse(req);
  EXPECT_EQ(p.error, RequestError::kHeadTooLarge);
}

TEST(RequestParserTest, RecognisesWebSocketUpgradeAndExpect) {
  RequestParser p(16 * 1024, 64);
  std::string a =
      "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\n"
      "Upgrade: websocket\r\nExpect: 100-continue\r\n\r\n";
  p.Start(a.data());
  size_t used;
  ASSERT_EQ(p.FeedHead(a.data(), a.size(), &used), R::kHeadComplete);
  EXPECT_TRUE(p.head().websocket_upgrade);
  EXPECT_TRUE(p.head().expect_continue);
}

TEST(RequestParserTest, SpansSurviveTheBufferMovingBetweenFeeds) {
  const std::string req =
      "GET /moved HTTP/1.1\r\nHost: example.com\r\nX-Long: abcdefgh\r\n\r\n";
  const size_t split = req.find("abcd") + 2;  // inside a header value
  RequestParser p(16 * 1024, 64);
  std::string first = req.substr(0, split);
  p.Start(first.data());
  size_t used;
  ASSERT_EQ(p.FeedHead(first.data(), first.size(), &used), R::kNeedMore);
  std::string moved = req;  // the connection grew its arena: new address
  p.Rebase(moved.data());
  ASSERT_EQ(p.FeedHead(moved.data() + split, moved.size() - split, &used),
            R::kHeadComplete);
  EXPECT_EQ(p.head().target.In(moved.data()), "/moved");
  ASSERT_EQ(p.head().headers.size(), 2u);
  EXPECT_EQ(p.head().headers[1].value.In(moved.data()), "abcdefgh");
  EXPECT_EQ(p.head().head_bytes, req.size());
}

TEST(RequestParserTest, ParserIsReusableAfterAnError) {
  RequestParser p(16 * 1024, 64);
  Parsed bad = Parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 0, 16 * 1024, &p);
  EXPECT_EQ(bad.result, R::kError);
  Parsed good = Parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 16 * 1024, &p);
  EXPECT_EQ(good.result, R::kHeadComplete);
}

}  // namespace
}  // namespace jwtgate::http
