// SPEC §2 limits and their §4 answers: 431 for a head over
// max_header_bytes, 413 for a body over max_body_bytes, 408 for a head not
// complete within client_header_timeout; each followed by a close, and
// idle connections closed.
#include <poll.h>

#include <chrono>
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"

namespace jwtgate::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

using LimitsTest = GatewayFixture;

// A connection without a request in progress must be closed once its
// timeout passes; whether a 408 is said first is not specified.
::testing::AssertionResult ClosedWithin5sMaybeAfter408(HttpClient& c) {
  PeerState s = c.WaitForClose(seconds(5));
  if (s == PeerState::kData) {
    absl::StatusOr<HttpResponse> r = c.ReadResponse();
    if (!r.ok() || r->status != 408) {
      return ::testing::AssertionFailure()
             << "unexpected bytes on an idle connection: "
             << (r.ok() ? std::to_string(r->status) : r.status().ToString());
    }
    s = c.WaitForClose(seconds(5));
  }
  if (s == PeerState::kClosed || s == PeerState::kReset) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "still open: " << PeerStateName(s);
}

GatewayConfig SmallLimits() {
  GatewayConfig c;
  c.max_header_bytes = "4k";
  c.max_body_bytes = "1k";
  c.client_header_timeout = "300ms";
  c.client_idle_timeout = "500ms";
  return c;
}

TEST_F(LimitsTest, HeadOverMaxHeaderBytesIs431ThenClose) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(SmallLimits()));
  for (const std::string& raw :
       {BuildRequest("GET", "/public/echo",
                     {{"X-Big", std::string(6000, 'a')}}),
        BuildRequest("GET", "/public/echo?" + std::string(6000, 'q')),
        BuildRequest("GET", "/public/echo",
                     HeaderList(300, {"X-Many", "0123456789"}))}) {
    ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
    ASSERT_THAT(c.Send(raw), IsOk());
    ASSERT_OK_AND_ASSIGN(HttpResponse r, c.ReadResponse());
    EXPECT_TRUE(IsGatewayAnswer(r, 431));
    EXPECT_TRUE(ServerClosed(c));
  }
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

TEST_F(LimitsTest, HeadUnderMaxHeaderBytesPasses) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(SmallLimits()));
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r, Get("/public/echo", {{"X-Big", std::string(3000, 'a')}}));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.Header("x-big").value_or("").size(), 3000u);
}

TEST_F(LimitsTest, ContentLengthOverMaxBodyBytesIs413ThenClose) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(SmallLimits()));
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  // The body may be refused before it is all sent; only the answer counts.
  (void)c.Send(
      BuildRequest("POST", "/public/echo", {}, std::string(2000, 'b')));
  ASSERT_OK_AND_ASSIGN(HttpResponse r, c.ReadResponse());
  EXPECT_TRUE(IsGatewayAnswer(r, 413));
  EXPECT_TRUE(ServerClosed(c));
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

TEST_F(LimitsTest, ChunkedBodyOverMaxBodyBytesIs413) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(SmallLimits()));
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  (void)c.Send(BuildRequest("POST", "/public/echo",
                            {{"Transfer-Encoding", "chunked"}},
                            ChunkedBody(std::string(3000, 'c'), {500})));
  ASSERT_OK_AND_ASSIGN(HttpResponse r, c.ReadResponse());
  EXPECT_TRUE(IsGatewayAnswer(r, 413));
  EXPECT_TRUE(ServerClosed(c));
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

TEST_F(LimitsTest, BodyAtMaxBodyBytesPasses) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(SmallLimits()));
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  const std::string body(1024, 'd');
  ASSERT_OK_AND_ASSIGN(HttpResponse r, c.RoundTrip(BuildRequest(
                                           "POST", "/public/echo", {}, body)));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.body_sha256, Sha256Hex(body));
}

TEST_F(LimitsTest, IncompleteHeadIs408ThenClose) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(SmallLimits()));
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  auto start = Clock::now();
  ASSERT_THAT(c.Send("GET /public/echo HTTP/1.1\r\nHost: x\r\n"), IsOk());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, c.ReadResponse({.timeout = seconds(5)}));
  EXPECT_TRUE(IsGatewayAnswer(r, 408));
  EXPECT_GE(Clock::now() - start, milliseconds(250))
      << "408 came before client_header_timeout (300ms)";
  EXPECT_TRUE(ServerClosed(c));
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

TEST_F(LimitsTest, TricklingHeadStillTimesOut) {
  // Slowloris: each byte resets nothing; the whole head has 300ms.
  ASSERT_NO_FATAL_FAILURE(StartGateway(SmallLimits()));
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_THAT(c.Send("GET /public/echo HTTP/1.1\r\n"), IsOk());
  bool answered = false;
  for (int i = 0; i < 40 && !answered; ++i) {
    // The wait for an answer paces the trickle (100ms a line).
    pollfd p{c.fd(), POLLIN, 0};
    answered = ::poll(&p, 1, 100) == 1;
    if (!answered && !c.Send("X-Slow-" + std::to_string(i) + ": 1\r\n").ok()) {
      break;
    }
  }
  ASSERT_OK_AND_ASSIGN(HttpResponse r, c.ReadResponse({.timeout = seconds(5)}));
  EXPECT_TRUE(IsGatewayAnswer(r, 408));
  EXPECT_TRUE(ServerClosed(c));
}

TEST_F(LimitsTest, SilentConnectionIsClosed) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(SmallLimits()));
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  EXPECT_TRUE(ClosedWithin5sMaybeAfter408(c));
}

TEST_F(LimitsTest, IdleKeepAliveConnectionIsClosed) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(SmallLimits()));
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       c.RoundTrip(BuildRequest("GET", "/public/echo")));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(ClosedWithin5sMaybeAfter408(c));
}

}  // namespace
}  // namespace jwtgate::testing
