// SPEC §4 bodies: 1 MiB request and response bodies arrive intact (SHA-256
// compared end to end) with Content-Length and chunked framing, on
// kept-alive connections and through an auth route.
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"
#include "tests/testing/upstream/pattern.h"

namespace jwtgate::testing {
namespace {

constexpr size_t kMiB = 1024 * 1024;

using BodiesTest = GatewayFixture;

TEST_F(BodiesTest, OneMiBRequestBodyWithContentLength) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  const std::string body = PatternBytes(12345, kMiB);
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, c.RoundTrip(BuildRequest(
                                           "POST", "/public/echo", {}, body)));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.body_length, kMiB);
  EXPECT_EQ(e.body_sha256, Sha256Hex(body));
}

TEST_F(BodiesTest, OneMiBChunkedRequestBody) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  const std::string body = PatternBytes(999, kMiB);
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      c.RoundTrip(BuildRequest(
          "POST", "/public/echo", {{"Transfer-Encoding", "chunked"}},
          ChunkedBody(body, {1, 7000, 65536, 13, 300000}))));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.body_length, kMiB);
  EXPECT_EQ(e.body_sha256, Sha256Hex(body));
}

TEST_F(BodiesTest, OneMiBResponseWithContentLength) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, Get("/public/bytes/1048576"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), kMiB);
  EXPECT_EQ(Sha256Hex(r.body), Sha256Hex(PatternBytes(0, kMiB)));
  EXPECT_EQ(r.Header("x-body-sha256").value_or(""), Sha256Hex(r.body));
}

TEST_F(BodiesTest, OneMiBChunkedResponse) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, Get("/public/bytes/1048576?chunked=1"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), kMiB);
  EXPECT_EQ(Sha256Hex(r.body), Sha256Hex(PatternBytes(0, kMiB)));
}

TEST_F(BodiesTest, LargeBodiesBackToBackOnOneConnection) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string body = PatternBytes(round * 7919, kMiB + round);
    ASSERT_OK_AND_ASSIGN(HttpResponse r, c.RoundTrip(BuildRequest(
                                             "PUT", "/public/echo", {}, body)));
    ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
    EXPECT_EQ(e.body_sha256, Sha256Hex(body));
    const size_t n = kMiB - round;
    ASSERT_OK_AND_ASSIGN(r, c.RoundTrip(BuildRequest(
                                "GET", "/public/bytes/" + std::to_string(n) +
                                           (round % 2 ? "?chunked=1" : ""))));
    EXPECT_EQ(r.body.size(), n);
    EXPECT_EQ(Sha256Hex(r.body), Sha256Hex(PatternBytes(0, n)));
  }
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       c.RoundTrip(BuildRequest("GET", "/public/echo")));
  EXPECT_EQ(r.status, 200);
  EXPECT_LE(QueryUpstream().connections, 2u);
}

TEST_F(BodiesTest, AuthenticatedUploadOnAnAuthRoute) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  const std::string body = PatternBytes(1, kMiB);
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      c.RoundTrip(BuildRequest("POST", "/api/echo",
                               {{"Authorization", "Bearer " + ValidToken()}},
                               body)));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.body_sha256, Sha256Hex(body));
}

TEST_F(BodiesTest, RejectedUploadIsNotForwarded) {
  // A 401 for a request with a body: the body must not leak upstream, and
  // the connection either stays framed or is closed (SPEC §4: closed when
  // the body was not read).
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  (void)c.Send(
      BuildRequest("POST", "/api/echo", {}, PatternBytes(0, 256 * 1024)));
  ASSERT_OK_AND_ASSIGN(HttpResponse r, c.ReadResponse());
  EXPECT_TRUE(IsGatewayAnswer(r, 401));
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

TEST_F(BodiesTest, EmptyBodies) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       c.RoundTrip(BuildRequest("POST", "/public/echo",
                                                {{"Content-Length", "0"}})));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.body_length, 0u);
  ASSERT_OK_AND_ASSIGN(
      r, c.RoundTrip(BuildRequest("POST", "/public/echo",
                                  {{"Transfer-Encoding", "chunked"}},
                                  "0\r\n\r\n")));
  ASSERT_OK_AND_ASSIGN(e, ParseEcho(r));
  EXPECT_EQ(e.body_length, 0u);
  ASSERT_OK_AND_ASSIGN(r, c.RoundTrip(BuildRequest("GET", "/public/bytes/0")));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
}

}  // namespace
}  // namespace jwtgate::testing
