// SPEC §4 connection handling: keep-alive on both sides, pipelined requests
// answered in order, clients that vanish mid-request or mid-response, and
// §6 draining (503 on kept-alive connections, idle ones closed, exit 0).
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"
#include "tests/testing/upstream/pattern.h"

namespace jwtgate::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

using ConnectionTest = GatewayFixture;

TEST_F(ConnectionTest, KeepAliveReusesClientAndUpstreamConnections) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  const std::string token = ValidToken();
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK_AND_ASSIGN(
        HttpResponse r,
        c.RoundTrip(BuildRequest("GET", "/api/echo?i=" + std::to_string(i),
                                 {{"Authorization", "Bearer " + token}})));
    ASSERT_EQ(r.status, 200) << "request " << i << ": " << r.body;
  }
  UpstreamCounters u = QueryUpstream();
  EXPECT_EQ(u.requests, 50u);
  EXPECT_LE(u.connections, 2u) << "upstream connections are not reused";
}

TEST_F(ConnectionTest, SequentialClientsShareThePooledUpstream) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  for (int i = 0; i < 30; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpResponse r, Get("/public/echo"));
    ASSERT_EQ(r.status, 200);
  }
  EXPECT_LE(QueryUpstream().connections, 2u);
}

TEST_F(ConnectionTest, PipelinedRequestsAreAnsweredInOrder) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  // A slow first answer, bodies, a HEAD and a 204 in between: any
  // reordering or framing slip shows up as a wrong echo target.
  std::string burst = BuildRequest("GET", "/public/slow/200?i=0");
  burst += BuildRequest("POST", "/public/echo?i=1", {}, "body-one");
  burst += BuildRequest("GET", "/public/bytes/5000");
  burst += BuildRequest("HEAD", "/public/echo?i=3");
  burst += BuildRequest("GET", "/public/status/204");
  burst += BuildRequest("GET", "/public/echo?i=5");
  ASSERT_THAT(c.Send(burst), IsOk());

  ASSERT_OK_AND_ASSIGN(HttpResponse r, c.ReadResponse());
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.target, "/public/slow/200?i=0");
  ASSERT_OK_AND_ASSIGN(r, c.ReadResponse());
  ASSERT_OK_AND_ASSIGN(e, ParseEcho(r));
  EXPECT_EQ(e.target, "/public/echo?i=1");
  EXPECT_EQ(e.body_sha256, Sha256Hex("body-one"));
  ASSERT_OK_AND_ASSIGN(r, c.ReadResponse());
  EXPECT_EQ(r.body, PatternBytes(0, 5000));
  ASSERT_OK_AND_ASSIGN(r, c.ReadResponse({.head_request = true}));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  ASSERT_OK_AND_ASSIGN(r, c.ReadResponse());
  EXPECT_EQ(r.status, 204);
  ASSERT_OK_AND_ASSIGN(r, c.ReadResponse());
  ASSERT_OK_AND_ASSIGN(e, ParseEcho(r));
  EXPECT_EQ(e.target, "/public/echo?i=5");
}

TEST_F(ConnectionTest, ClientAbortMidBodyAffectsNoOneElse) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  // B is waiting for a slow answer while A vanishes mid-upload.
  ASSERT_OK_AND_ASSIGN(HttpClient b, Connect());
  ASSERT_THAT(b.Send(BuildRequest("GET", "/public/slow/300")), IsOk());
  {
    ASSERT_OK_AND_ASSIGN(HttpClient a, Connect());
    std::string head =
        BuildRequest("POST", "/public/echo", {{"Content-Length", "1048576"}});
    ASSERT_THAT(a.Send(head + PatternBytes(0, 100 * 1024)), IsOk());
    a.Abort();
  }
  {
    ASSERT_OK_AND_ASSIGN(HttpClient a2, Connect());
    ASSERT_THAT(a2.Send(BuildRequest("POST", "/public/echo",
                                     {{"Content-Length", "1048576"}}) +
                        PatternBytes(0, 10000)),
                IsOk());
    a2.Close();  // FIN instead of RST this time
  }
  ASSERT_OK_AND_ASSIGN(HttpResponse r, b.ReadResponse());
  EXPECT_EQ(r.status, 200);
  ASSERT_OK_AND_ASSIGN(r, Get("/public/echo"));
  EXPECT_EQ(r.status, 200);
}

TEST_F(ConnectionTest, ClientAbortMidResponseAffectsNoOneElse) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpClient a, Connect());
    ASSERT_THAT(a.Send(BuildRequest("GET", "/public/bytes/67108864")), IsOk());
    // The upstream hashes 64 MiB before answering, so allow it time.
    EXPECT_EQ(a.ReadExactly(64 * 1024, seconds(5)).size(), 64u * 1024);
    a.Abort();
  }
  ASSERT_OK_AND_ASSIGN(HttpResponse r, Get("/public/bytes/100000"));
  EXPECT_EQ(r.body, PatternBytes(0, 100000));
}

// Polls jwtgate's /healthz until it stops saying 200 (draining: 503, or
// the metrics listener already closed). Bounded.
bool WaitUntilDraining(uint16_t metrics_port) {
  auto deadline = Clock::now() + seconds(5);
  while (Clock::now() < deadline) {
    absl::StatusOr<HttpClient> c = HttpClient::Connect(metrics_port);
    if (!c.ok()) return true;
    absl::StatusOr<HttpResponse> r =
        c->RoundTrip(BuildRequest("GET", "/healthz", {{"Connection", "close"}}),
                     {.timeout = seconds(2)});
    if (!r.ok() || r->status == 503) return true;
    c->WaitForClose(milliseconds(20));  // pacing between polls
  }
  return false;
}

TEST_F(ConnectionTest,
       DrainFinishesInFlightAndAnswers503OnKeptAliveConnection) {
  GatewayConfig config;
  config.drain_timeout = "5s";
  ASSERT_NO_FATAL_FAILURE(StartGateway(config));
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_THAT(c.Send(BuildRequest("GET", "/public/slow/1500")), IsOk());
  // Wait until the upstream holds the request, so it is truly in flight.
  auto deadline = Clock::now() + seconds(5);
  while (QueryUpstream().requests < 1 && Clock::now() < deadline) {
    c.WaitForClose(milliseconds(10));  // pacing; no bytes are expected yet
  }
  ASSERT_EQ(QueryUpstream().requests, 1u);
  gateway().Signal(SIGTERM);
  ASSERT_TRUE(WaitUntilDraining(metrics_port()));
  ASSERT_THAT(c.Send(BuildRequest("GET", "/public/echo")), IsOk());

  ASSERT_OK_AND_ASSIGN(HttpResponse first, c.ReadResponse());
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(first));
  EXPECT_EQ(e.target, "/public/slow/1500");
  absl::StatusOr<HttpResponse> second = c.ReadResponse();
  ASSERT_TRUE(second.ok()) << "the request sent while draining got no answer ("
                           << second.status() << "); SPEC §4 wants a 503";
  EXPECT_TRUE(IsGatewayAnswer(*second, 503));
  EXPECT_TRUE(ServerClosed(c));
  EXPECT_EQ(QueryUpstream().requests, 1u);

  std::optional<int> status = gateway().WaitExit(seconds(10));
  StopGateway();  // already gone; marks it as stopped on purpose
  ASSERT_TRUE(status.has_value()) << "jwtgate still running after drain";
  EXPECT_EQ(DescribeWaitStatus(*status), "exit 0");
}

TEST_F(ConnectionTest, DrainClosesIdleConnectionsAndExitsEarly) {
  GatewayConfig config;
  config.drain_timeout = "8s";
  ASSERT_NO_FATAL_FAILURE(StartGateway(config));
  ASSERT_OK_AND_ASSIGN(HttpClient idle, Connect());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       idle.RoundTrip(BuildRequest("GET", "/public/echo")));
  EXPECT_EQ(r.status, 200);
  auto start = Clock::now();
  gateway().Signal(SIGTERM);
  EXPECT_TRUE(ServerClosed(idle));
  std::optional<int> status = gateway().WaitExit(seconds(10));
  StopGateway();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(DescribeWaitStatus(*status), "exit 0");
  EXPECT_LT(Clock::now() - start, seconds(5))
      << "nothing was in flight, so drain should not wait drain_timeout";
}

}  // namespace
}  // namespace jwtgate::testing
