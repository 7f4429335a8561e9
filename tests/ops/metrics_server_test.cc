// MetricsServer over real sockets on 127.0.0.1.
#include "jwtgate/ops/metrics_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtgate/ops/metrics.h"
#include "tests/ops/ops_test_util.h"

namespace jwtgate::ops {
namespace {

using ::testing::HasSubstr;
using testing::HttpExchange;
using testing::HttpResponse;
using testing::Loopback;
using testing::ParseResponse;

std::string Get(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
}

class MetricsServerTest : public ::testing::Test {
 protected:
  void StartServer(const MetricsServer::Options& options = {}) {
    auto server = MetricsServer::Start(Loopback(0), &registry_, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    registry_.SetServing(true);  // as the gateway does once shards listen
  }
  HttpResponse Ask(const std::string& request) {
    return ParseResponse(HttpExchange(server_->address(), request));
  }

  MetricsRegistry registry_{2};
  std::unique_ptr<MetricsServer> server_;
};

TEST_F(MetricsServerTest, ServesMetricsThatPromtoolAccepts) {
  StartServer();
  const int kKey = 0;
  registry_.shard(1).OnIdSpace(&kKey, {"api"}, {"backend"});
  registry_.shard(1).OnRequest(&kKey, 0, 200, 1000, 1, 1);
  const HttpResponse r = Ask(Get("/metrics"));
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.head, HasSubstr("Content-Type: text/plain; version=0.0.4"));
  EXPECT_THAT(
      r.body,
      HasSubstr("jwtgate_requests_total{route=\"api\",code=\"200\"} 1"));
  std::string report;
  EXPECT_EQ(testing::PromtoolCheckMetrics(r.body, &report), 0) << report;
}

TEST_F(MetricsServerTest, MetricsMoveBetweenScrapes) {
  StartServer();
  const int kKey = 0;
  registry_.shard(0).OnIdSpace(&kKey, {"api"}, {});
  EXPECT_THAT(Ask(Get("/metrics")).body,
              ::testing::Not(HasSubstr("route=\"api\",code=\"403\"")));
  registry_.shard(0).OnRequest(&kKey, 0, 403, 1000, 1, 1);
  EXPECT_THAT(
      Ask(Get("/metrics")).body,
      HasSubstr("jwtgate_requests_total{route=\"api\",code=\"403\"} 1"));
}

TEST_F(MetricsServerTest, HealthzIs503UntilServingThen503WhenDraining) {
  StartServer();
  registry_.SetServing(false);  // still waiting, e.g. for remote keys
  HttpResponse r = Ask(Get("/healthz"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "starting");
  registry_.SetServing(true);
  r = Ask(Get("/healthz"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  registry_.SetDraining(true);
  r = Ask(Get("/healthz"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "draining");
}

TEST_F(MetricsServerTest, QueryStringIsIgnored) {
  StartServer();
  EXPECT_EQ(Ask(Get("/healthz?verbose=1")).status, 200);
}

TEST_F(MetricsServerTest, UnknownPathIs404) {
  StartServer();
  EXPECT_EQ(Ask(Get("/")).status, 404);
  EXPECT_EQ(Ask(Get("/metricsx")).status, 404);
}

TEST_F(MetricsServerTest, OtherMethodsAre405) {
  StartServer();
  const HttpResponse r =
      Ask("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(r.status, 405);
  EXPECT_THAT(r.head, HasSubstr("Allow: GET, HEAD"));
}

TEST_F(MetricsServerTest, HeadHasNoBody) {
  StartServer();
  const HttpResponse r = Ask("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.head, HasSubstr("Content-Length: 2"));
  EXPECT_EQ(r.body, "");
}

TEST_F(MetricsServerTest, MalformedRequestIs400) {
  StartServer();
  EXPECT_EQ(Ask("HELLO\r\n\r\n").status, 400);
}

TEST_F(MetricsServerTest, OversizedHeadIs431) {
  MetricsServer::Options options;
  options.max_request_bytes = 512;
  StartServer(options);
  const std::string big =
      "GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(2000, 'a') + "\r\n\r\n";
  EXPECT_EQ(Ask(big).status, 431);
}

TEST_F(MetricsServerTest, RequestSplitAcrossWritesIsAnswered) {
  StartServer();
  const int fd = testing::ConnectTo(server_->address());
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::send(fd, "GET /hea", 8, MSG_NOSIGNAL), 8);
  ASSERT_EQ(::send(fd, "lthz HTTP/1.1\r\n\r\n", 17, MSG_NOSIGNAL), 17);
  std::string raw;
  char buf[512];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) raw.append(buf, n);
  ::close(fd);
  EXPECT_EQ(ParseResponse(raw).status, 200);
}

TEST_F(MetricsServerTest, ConnectionsAreBoundedAndTimedOut) {
  MetricsServer::Options options;
  options.max_connections = 2;
  options.request_timeout_ms = 300;
  StartServer(options);
  // Two idle connections take both places ...
  const int a = testing::ConnectTo(server_->address());
  const int b = testing::ConnectTo(server_->address());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  // ... so a third is closed without an answer (accept order is FIFO).
  const std::string third = HttpExchange(server_->address(), Get("/healthz"));
  EXPECT_EQ(third, "");
  // The idle ones are closed by the deadline (EOF, not the 5 s recv timeout).
  char c;
  EXPECT_EQ(::recv(a, &c, 1, 0), 0);
  EXPECT_EQ(::recv(b, &c, 1, 0), 0);
  ::close(a);
  ::close(b);
  // With the places free again, requests are served.
  EXPECT_EQ(Ask(Get("/healthz")).status, 200);
}

TEST_F(MetricsServerTest, StopClosesTheListener) {
  StartServer();
  const SocketAddress address = server_->address();
  EXPECT_EQ(Ask(Get("/healthz")).status, 200);
  server_->Stop();
  server_->Stop();  // idempotent
  EXPECT_EQ(testing::ConnectTo(address), -1);
}

TEST_F(MetricsServerTest, BindFailureIsAnError) {
  StartServer();
  auto second = MetricsServer::Start(server_->address(), &registry_);
  EXPECT_FALSE(second.ok());
}

}  // namespace
}  // namespace jwtgate::ops
