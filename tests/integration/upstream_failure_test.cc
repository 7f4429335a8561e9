// SPEC §4 upstream rows: 502 when the upstream refuses or resets before a
// response, 504 on connect or response timeout; and what a client sees when
// the upstream fails mid-response. The gateway must keep serving after each.
#include <chrono>
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"
#include "tests/testing/upstream/pattern.h"

namespace jwtgate::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

using UpstreamFailureTest = GatewayFixture;

GatewayConfig ShortUpstreamTimeouts() {
  GatewayConfig c;
  c.upstream_connect_timeout = "300ms";
  c.upstream_timeout = "500ms";
  return c;
}

TEST_F(UpstreamFailureTest, RefusedConnectionIs502) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, Get("/dead/echo"));
  EXPECT_TRUE(IsGatewayAnswer(r, 502));
  ASSERT_OK_AND_ASSIGN(r, Get("/public/echo"));
  EXPECT_EQ(r.status, 200);
}

TEST_F(UpstreamFailureTest, ResetBeforeResponseIs502) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  // Warm the pool first, so the reset also hits a reused connection.
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       c.RoundTrip(BuildRequest("GET", "/public/echo")));
  EXPECT_EQ(r.status, 200);
  ASSERT_OK_AND_ASSIGN(r, c.RoundTrip(BuildRequest("GET", "/public/reset")));
  EXPECT_TRUE(IsGatewayAnswer(r, 502));
  ASSERT_OK_AND_ASSIGN(r, Get("/public/echo"));
  EXPECT_EQ(r.status, 200);
}

TEST_F(UpstreamFailureTest, ResponseTimeoutIs504) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(ShortUpstreamTimeouts()));
  auto start = Clock::now();
  ASSERT_OK_AND_ASSIGN(HttpResponse r, Get("/public/slow/5000"));
  EXPECT_TRUE(IsGatewayAnswer(r, 504));
  EXPECT_LT(Clock::now() - start, seconds(4)) << "504 should come at ~500ms";
  ASSERT_OK_AND_ASSIGN(r, Get("/public/echo"));
  EXPECT_EQ(r.status, 200);
}

TEST_F(UpstreamFailureTest, SlowButInTimeSucceeds) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(ShortUpstreamTimeouts()));
  ASSERT_OK_AND_ASSIGN(HttpResponse r, Get("/public/slow/150"));
  EXPECT_EQ(r.status, 200);
}

TEST_F(UpstreamFailureTest, TimeoutCountsSilenceNotTotalTime) {
  // Four bytes 200ms apart: 600ms in all, but never 500ms of silence.
  ASSERT_NO_FATAL_FAILURE(StartGateway(ShortUpstreamTimeouts()));
  ASSERT_OK_AND_ASSIGN(HttpResponse r, Get("/public/drip/4?interval_ms=200"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, PatternBytes(0, 4));
}

TEST_F(UpstreamFailureTest, ConnectTimeoutIs504) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(ShortUpstreamTimeouts()));
  auto start = Clock::now();
  ASSERT_OK_AND_ASSIGN(HttpResponse r, Get("/blackhole/echo"));
  EXPECT_TRUE(IsGatewayAnswer(r, 504));
  EXPECT_LT(Clock::now() - start, seconds(4)) << "504 should come at ~300ms";
}

TEST_F(UpstreamFailureTest, UpstreamClosingMidResponseClosesTheClient) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  absl::StatusOr<HttpResponse> r =
      c.RoundTrip(BuildRequest("GET", "/public/close-early"));
  // 1000 bytes announced, 500 sent: the client must not get a complete
  // response, and the connection must end (DataLoss: closed mid-message).
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kDataLoss))
      << "a truncated body must end in a close, not a complete response";
  ASSERT_OK_AND_ASSIGN(HttpResponse ok, Get("/public/echo"));
  EXPECT_EQ(ok.status, 200);
}

TEST_F(UpstreamFailureTest, UpstreamRestartIsTransparent) {
  // The pooled connection dies with the old upstream; the next request must
  // notice (or retry once on a fresh connection) instead of failing.
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       c.RoundTrip(BuildRequest("GET", "/public/echo")));
  EXPECT_EQ(r.status, 200);
  ASSERT_NO_FATAL_FAILURE(RestartUpstream());
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(r, c.RoundTrip(BuildRequest("GET", "/public/echo")));
    EXPECT_EQ(r.status, 200) << "request " << i << " after the restart";
  }
}

}  // namespace
}  // namespace jwtgate::testing
