// SPEC §1/§6 drain against the real jwtgate: after SIGTERM (or SIGINT)
// requests held by a slow upstream still complete, new connections are
// refused, idle kept-alive connections are closed, /healthz says 503, and
// the process exits 0 within drain_timeout; a second SIGTERM ends it at
// once; a request still running at drain_timeout is cut.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"
#include "tests/integration/lifecycle_util.h"

namespace jwtgate::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class DrainTest : public GatewayFixture {
 protected:
  // Waits until the test upstream has received `n` requests, so requests
  // sent through the gateway are truly in flight there.
  ::testing::AssertionResult UpstreamHolds(uint64_t n) {
    uint64_t seen = 0;
    if (Eventually(
            [&] {
              seen = QueryUpstream().requests;
              return seen >= n;
            },
            seconds(5))) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "the upstream got " << seen << " requests, expected " << n;
  }

  // /healthz answers 503 (draining) within a bound.
  ::testing::AssertionResult HealthzSaysDraining() {
    int last = 0;
    if (Eventually(
            [&] {
              absl::StatusOr<HttpResponse> r =
                  MetricsGet(metrics_port(), "/healthz");
              last = r.ok() ? r->status : -1;
              return last == 503;
            },
            seconds(3))) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "/healthz answered " << last << " while draining, expected 503";
  }

  // Sends GET `target` on a new connection without reading the answer.
  absl::StatusOr<HttpClient> SendOnNewConnection(std::string_view target) {
    absl::StatusOr<HttpClient> c = Connect();
    if (!c.ok()) return c.status();
    absl::Status s = c->Send(BuildRequest("GET", target));
    if (!s.ok()) return s;
    return c;
  }
};

TEST_F(DrainTest, InFlightRequestsFinishNewConnectionsAreRefusedExitZero) {
  GatewayConfig config;
  config.shards = 2;
  config.drain_timeout = "6s";
  ASSERT_NO_FATAL_FAILURE(StartGateway(config));
  ASSERT_OK_AND_ASSIGN(HttpClient idle, Connect());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       idle.RoundTrip(BuildRequest("GET", "/public/echo")));
  ASSERT_EQ(r.status, 200);
  std::vector<HttpClient> slow;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpClient c, SendOnNewConnection(absl::StrCat(
                                           "/public/slow/1500?i=", i)));
    slow.push_back(std::move(c));
  }
  ASSERT_TRUE(UpstreamHolds(4));
  ASSERT_OK_AND_ASSIGN(MetricsScrape before, ScrapeMetrics(metrics_port()));
  EXPECT_EQ(before.Get("jwtgate_draining"), 0);

  const auto start = LifecycleClock::now();
  gateway().Signal(SIGTERM);
  EXPECT_TRUE(HealthzSaysDraining());
  absl::StatusOr<MetricsScrape> during = ScrapeMetrics(metrics_port());
  ASSERT_THAT(during, IsOk());
  EXPECT_EQ(during->Get("jwtgate_draining"), 1);
  EXPECT_TRUE(ServerClosed(idle)) << "idle kept-alive connection left open";
  EXPECT_TRUE(Eventually([&] { return ConnectRefused(port()); }, seconds(2)))
      << "new connections are still accepted while draining";

  for (size_t i = 0; i < slow.size(); ++i) {
    absl::StatusOr<HttpResponse> answer =
        slow[i].ReadResponse({.timeout = seconds(5)});
    ASSERT_TRUE(answer.ok())
        << "slow request " << i << " was cut: " << answer.status();
    ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(*answer));
    EXPECT_EQ(e.target, absl::StrCat("/public/slow/1500?i=", i));
  }
  std::optional<int> status = gateway().WaitExit(seconds(6));
  StopGateway();  // already gone; tells TearDown it stopped on purpose
  ASSERT_TRUE(status.has_value()) << "jwtgate still running 6 s after SIGTERM";
  EXPECT_EQ(DescribeWaitStatus(*status), "exit 0");
  EXPECT_LT(LifecycleClock::now() - start, seconds(6))
      << "exit not within drain_timeout";
  EXPECT_EQ(QueryUpstream().requests, 4u);
}

TEST_F(DrainTest, SigintDrainsLikeSigterm) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient slow,
                       SendOnNewConnection("/public/slow/800"));
  ASSERT_TRUE(UpstreamHolds(1));
  gateway().Signal(SIGINT);
  EXPECT_TRUE(HealthzSaysDraining());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, slow.ReadResponse());
  EXPECT_EQ(r.status, 200);
  std::optional<int> status = gateway().WaitExit(seconds(5));
  StopGateway();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(DescribeWaitStatus(*status), "exit 0");
}

TEST_F(DrainTest, SecondSigtermExitsAtOnce) {
  GatewayConfig config;
  config.drain_timeout = "20s";
  ASSERT_NO_FATAL_FAILURE(StartGateway(config));
  ASSERT_OK_AND_ASSIGN(HttpClient slow,
                       SendOnNewConnection("/public/slow/15000"));
  ASSERT_TRUE(UpstreamHolds(1));
  gateway().Signal(SIGTERM);
  ASSERT_TRUE(HealthzSaysDraining());
  // Still draining: the request holds it open.
  EXPECT_FALSE(gateway().WaitExit(milliseconds(200)).has_value());

  const auto second = LifecycleClock::now();
  gateway().Signal(SIGTERM);
  std::optional<int> status = gateway().WaitExit(seconds(3));
  StopGateway();
  ASSERT_TRUE(status.has_value())
      << "jwtgate did not exit within 3 s of the second SIGTERM";
  EXPECT_LT(LifecycleClock::now() - second, seconds(2));
  EXPECT_TRUE(WIFEXITED(*status)) << DescribeWaitStatus(*status);
  absl::StatusOr<HttpResponse> r = slow.ReadResponse({.timeout = seconds(2)});
  EXPECT_FALSE(r.ok() && r->status == 200)
      << "the cut request was answered by the upstream";
}

TEST_F(DrainTest, RequestStillRunningAtDrainTimeoutIsCut) {
  GatewayConfig config;
  config.drain_timeout = "1s";
  config.upstream_timeout = "20s";
  ASSERT_NO_FATAL_FAILURE(StartGateway(config));
  ASSERT_OK_AND_ASSIGN(HttpClient slow,
                       SendOnNewConnection("/public/slow/10000"));
  ASSERT_TRUE(UpstreamHolds(1));

  const auto start = LifecycleClock::now();
  gateway().Signal(SIGTERM);
  std::optional<int> status = gateway().WaitExit(seconds(4));
  const auto elapsed = LifecycleClock::now() - start;
  StopGateway();
  ASSERT_TRUE(status.has_value())
      << "jwtgate still running 4 s after SIGTERM with drain_timeout = 1s";
  EXPECT_EQ(DescribeWaitStatus(*status), "exit 0");
  EXPECT_GE(elapsed, milliseconds(900))
      << "the request in flight was cut before drain_timeout";
  EXPECT_LT(elapsed, milliseconds(2500));
  absl::StatusOr<HttpResponse> r = slow.ReadResponse({.timeout = seconds(2)});
  EXPECT_FALSE(r.ok() && r->status == 200)
      << "a request outliving drain_timeout was still answered";
  EXPECT_TRUE(ServerClosed(slow));
}

}  // namespace
}  // namespace jwtgate::testing
