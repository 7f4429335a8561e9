// SPEC §4 forwarded requests and relayed responses: X-Forwarded-For/-Proto,
// hop-by-hop removal, end-to-end headers kept, HTTP/1.0 clients, and the
// framing of bodiless responses (HEAD, 204, 304) on kept-alive connections.
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"
#include "tests/testing/upstream/pattern.h"

namespace jwtgate::testing {
namespace {

using ForwardingTest = GatewayFixture;

TEST_F(ForwardingTest, XForwardedForGetsTheClientAppended) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, Get("/public/echo"));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(Join(e.HeaderValues("x-forwarded-for"), ", "), "127.0.0.1");

  ASSERT_OK_AND_ASSIGN(
      r, Get("/public/echo", {{"X-Forwarded-For", "203.0.113.7"}}));
  ASSERT_OK_AND_ASSIGN(e, ParseEcho(r));
  EXPECT_EQ(Join(e.HeaderValues("x-forwarded-for"), ", "),
            "203.0.113.7, 127.0.0.1");
}

TEST_F(ForwardingTest, XForwardedProtoIsSetToHttp) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       Get("/public/echo", {{"X-Forwarded-Proto", "https"}}));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.HeaderValues("x-forwarded-proto"),
            std::vector<std::string>{"http"});
}

TEST_F(ForwardingTest, HopByHopHeadersAreRemoved) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      Get("/public/echo", {{"Connection", "keep-alive, X-Hop-Secret"},
                           {"X-Hop-Secret", "1"},
                           {"Keep-Alive", "timeout=5"},
                           {"Proxy-Connection", "keep-alive"},
                           {"TE", "trailers"},
                           {"Trailer", "X-Checksum"},
                           {"Upgrade", "h2c"},
                           {"X-End-To-End", "kept"}}));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  for (const char* h : {"x-hop-secret", "keep-alive", "proxy-connection", "te",
                        "trailer", "upgrade"}) {
    EXPECT_EQ(e.HeaderCount(h), 0u) << h << " reached the upstream";
  }
  for (const std::string& v : e.HeaderValues("connection")) {
    EXPECT_EQ(v.find("X-Hop-Secret"), std::string::npos) << v;
    EXPECT_EQ(v.find("x-hop-secret"), std::string::npos) << v;
  }
  EXPECT_EQ(e.HeaderValues("x-end-to-end"), std::vector<std::string>{"kept"});
}

TEST_F(ForwardingTest, EndToEndHeadersKeepTheirOrderAndRepeats) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       Get("/public/echo", {{"X-A", "1"},
                                            {"X-B", "two words"},
                                            {"X-A", "3"},
                                            {"Accept", "*/*"}}));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.HeaderValues("x-a"), (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ(e.HeaderValues("x-b"), std::vector<std::string>{"two words"});
  EXPECT_EQ(e.method, "GET");
  EXPECT_EQ(e.version, "1.1");
}

TEST_F(ForwardingTest, UpstreamResponseHeadersReachTheClient) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, Get("/public/bytes/100"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-body-sha256").value_or(""),
            Sha256Hex(PatternBytes(0, 100)));
}

TEST_F(ForwardingTest, UpstreamStatusCodesAreRelayed) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  for (int code : {201, 302, 404, 418, 500, 503}) {
    ASSERT_OK_AND_ASSIGN(HttpResponse r,
                         c.RoundTrip(BuildRequest(
                             "GET", "/public/status/" + std::to_string(code))));
    EXPECT_EQ(r.status, code);
    EXPECT_EQ(r.body, "status " + std::to_string(code) + "\n");
  }
}

TEST_F(ForwardingTest, BodilessResponsesKeepTheConnectionFramed) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       c.RoundTrip(BuildRequest("HEAD", "/public/bytes/1000"),
                                   {.head_request = true}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-length").value_or(""), "1000");
  ASSERT_OK_AND_ASSIGN(
      r, c.RoundTrip(BuildRequest("HEAD", "/public/bytes/1000?chunked=1"),
                     {.head_request = true}));
  EXPECT_EQ(r.status, 200);
  for (const char* t : {"/public/status/204", "/public/status/304"}) {
    ASSERT_OK_AND_ASSIGN(r, c.RoundTrip(BuildRequest("GET", t)));
    EXPECT_TRUE(r.body.empty()) << t;
  }
  // Anything stray from the answers above would corrupt this one.
  ASSERT_OK_AND_ASSIGN(r, c.RoundTrip(BuildRequest("GET", "/public/echo")));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.method, "GET");
  EXPECT_TRUE(c.buffered().empty());
}

TEST_F(ForwardingTest, Http10ClientGetsAnAnswerThenClose) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       c.RoundTrip("GET /public/echo HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(r.version == "HTTP/1.0" || r.version == "HTTP/1.1") << r.version;
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.target, "/public/echo");
  EXPECT_TRUE(ServerClosed(c));
}

TEST_F(ForwardingTest, Http10ClientNeverGetsChunkedEncoding) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      c.RoundTrip("GET /public/bytes/70000?chunked=1 HTTP/1.0\r\n\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.chunked) << "HTTP/1.0 has no chunked transfer coding";
  EXPECT_EQ(r.body.size(), 70000u);
  EXPECT_EQ(Sha256Hex(r.body), Sha256Hex(PatternBytes(0, 70000)));
}

TEST_F(ForwardingTest, ExpectContinueGetsInterimAnswerBeforeTheBody) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_THAT(c.Send("POST /public/echo HTTP/1.1\r\nHost: x\r\n"
                     "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n"),
              IsOk());
  ASSERT_OK_AND_ASSIGN(HttpResponse interim,
                       c.ReadResponse({.timeout = std::chrono::seconds(3),
                                       .skip_interim = false}));
  EXPECT_EQ(interim.status, 100);
  ASSERT_THAT(c.Send("hello"), IsOk());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, c.ReadResponse());
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.body_sha256, Sha256Hex("hello"));
}

}  // namespace
}  // namespace jwtgate::testing
