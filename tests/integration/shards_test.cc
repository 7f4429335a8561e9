// SPEC §6 shards: with `shards = 2` both shards accept and serve (each has
// its own SO_REUSEPORT listener), shown by the access log's `shard` field,
// and every request of many concurrent connections succeeds.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "tests/integration/integration_util.h"

namespace jwtgate::testing {
namespace {

using ShardsTest = GatewayFixture;

TEST_F(ShardsTest, TwoShardsBothServeManyConnections) {
  GatewayConfig config;
  config.shards = 2;
  ASSERT_NO_FATAL_FAILURE(StartGateway(config));
  const std::string token = ValidToken();
  const std::string request =
      BuildRequest("GET", "/api/echo", {{"Authorization", "Bearer " + token}});
  // Open all connections first, so the kernel spreads them over both
  // listeners; then several rounds of requests on each.
  std::vector<HttpClient> clients;
  for (int i = 0; i < 64; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
    clients.push_back(std::move(c));
  }
  for (int round = 0; round < 5; ++round) {
    for (HttpClient& c : clients) ASSERT_THAT(c.Send(request), IsOk());
    for (size_t i = 0; i < clients.size(); ++i) {
      ASSERT_OK_AND_ASSIGN(HttpResponse r, clients[i].ReadResponse());
      ASSERT_EQ(r.status, 200) << "connection " << i << ", round " << round;
    }
  }
  clients.clear();
  int status = StopGateway();
  EXPECT_EQ(DescribeWaitStatus(status), "exit 0");

  std::set<int64_t> shards;
  size_t lines = 0;
  simdjson::dom::parser parser;
  for (absl::string_view line : absl::StrSplit(GatewayLog(), '\n')) {
    if (line.empty() || line.front() != '{') continue;
    simdjson::dom::element doc;
    int64_t shard = -1;
    if (parser.parse(line.data(), line.size()).get(doc) == simdjson::SUCCESS &&
        doc["shard"].get_int64().get(shard) == simdjson::SUCCESS) {
      shards.insert(shard);
      ++lines;
    }
  }
  EXPECT_EQ(lines, 64u * 5) << "one access log line per request";
  EXPECT_EQ(shards.size(), 2u)
      << "both shards should have served some of the 64 connections";
}

}  // namespace
}  // namespace jwtgate::testing
