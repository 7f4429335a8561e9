// ShardMetrics + MetricsRegistry: values, summing over shards, survival of
// per-route counters across snapshot switches, the text format (checked by
// the real promtool), label escaping.
#include "jwtgate/ops/metrics.h"

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtgate/jwt/auth_result.h"
#include "tests/ops/ops_test_util.h"

namespace jwtgate::ops {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The value of the sample line `series` (name plus labels as rendered), or
// -1 when the line is absent.
double Value(const std::string& text, const std::string& series) {
  const std::string needle = "\n" + series + " ";
  const size_t at = ("\n" + text).find(needle);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + needle.size() - 1));
}

// Two id spaces standing for two snapshots: a reload renames route ids.
const std::vector<std::string_view> kRoutesV1 = {"api", "admin"};
const std::vector<std::string_view> kRoutesV2 = {"admin", "new", "api"};
const std::vector<std::string_view> kUpstreams = {"backend"};
const int kV1 = 1, kV2 = 2;  // their keys: any distinct addresses

TEST(MetricsTest, RequestsAreCountedByRouteNameAndCode) {
  MetricsRegistry registry(1);
  ShardMetrics& m = registry.shard(0);
  m.OnIdSpace(&kV1, kRoutesV1, kUpstreams);
  m.OnRequest(&kV1, 0, 200, 1'000'000, 100, 2000);
  m.OnRequest(&kV1, 0, 200, 1'000'000, 100, 2000);
  m.OnRequest(&kV1, 1, 401, 1'000'000, 50, 80);
  m.OnRequest(&kV1, -1, 404, 1'000'000, 40, 60);
  const std::string text = registry.RenderPrometheus();
  EXPECT_EQ(Value(text, R"(jwtgate_requests_total{route="api",code="200"})"),
            2);
  EXPECT_EQ(Value(text, R"(jwtgate_requests_total{route="admin",code="401"})"),
            1);
  EXPECT_EQ(Value(text, R"(jwtgate_requests_total{route="",code="404"})"), 1);
  EXPECT_EQ(Value(text, R"(jwtgate_requests_total{route="api",code="401"})"),
            -1);
  EXPECT_EQ(Value(text, R"(jwtgate_received_bytes_total{route="api"})"), 200);
  EXPECT_EQ(Value(text, R"(jwtgate_sent_bytes_total{route="api"})"), 4000);
}

TEST(MetricsTest, UnregisteredCodesFoldIntoTheirClass) {
  MetricsRegistry registry(1);
  ShardMetrics& m = registry.shard(0);
  m.OnIdSpace(&kV1, kRoutesV1, kUpstreams);
  m.OnRequest(&kV1, 0, 599, 0, 0, 0);
  m.OnRequest(&kV1, 0, 299, 0, 0, 0);
  m.OnRequest(&kV1, 0, 999, 0, 0, 0);
  m.OnRequest(&kV1, 0, 418, 0, 0, 0);
  const std::string text = registry.RenderPrometheus();
  EXPECT_EQ(Value(text, R"(jwtgate_requests_total{route="api",code="5xx"})"),
            1);
  EXPECT_EQ(Value(text, R"(jwtgate_requests_total{route="api",code="2xx"})"),
            1);
  EXPECT_EQ(Value(text, R"(jwtgate_requests_total{route="api",code="other"})"),
            1);
  EXPECT_EQ(Value(text, R"(jwtgate_requests_total{route="api",code="418"})"),
            1);
}

TEST(MetricsTest, SumsAcrossShards) {
  MetricsRegistry registry(2);
  for (int s = 0; s < 2; ++s) {
    ShardMetrics& m = registry.shard(s);
    m.OnIdSpace(&kV1, kRoutesV1, kUpstreams);
    for (int i = 0; i <= s; ++i) m.OnRequest(&kV1, 0, 200, 2'000'000, 1, 1);
    m.OnAuthRejection(jwt::AuthResult::kExpired);
    m.OnUpstreamError(&kV1, 0, UpstreamErrorKind::kRefused);
    m.SetConnections(ConnectionSide::kClient, 10 + s);
    m.SetConnections(ConnectionSide::kUpstream, 3);
    m.OnTokenCache(true);
    m.OnTokenCache(s == 0);
  }
  const std::string text = registry.RenderPrometheus();
  EXPECT_EQ(Value(text, R"(jwtgate_requests_total{route="api",code="200"})"),
            3);
  const std::string expired(jwt::AuthResultName(jwt::AuthResult::kExpired));
  EXPECT_EQ(
      Value(text, "jwtgate_auth_rejections_total{reason=\"" + expired + "\"}"),
      2);
  EXPECT_EQ(
      Value(
          text,
          R"(jwtgate_upstream_errors_total{upstream="backend",kind="refused"})"),
      2);
  EXPECT_EQ(
      Value(
          text,
          R"(jwtgate_upstream_errors_total{upstream="backend",kind="timeout"})"),
      0);
  EXPECT_EQ(Value(text, R"(jwtgate_connections{side="client"})"), 21);
  EXPECT_EQ(Value(text, R"(jwtgate_connections{side="upstream"})"), 6);
  EXPECT_EQ(Value(text, "jwtgate_token_cache_hits_total"), 3);
  EXPECT_EQ(Value(text, "jwtgate_token_cache_misses_total"), 1);
  EXPECT_EQ(Value(text, "jwtgate_shards"), 2);
}

TEST(MetricsTest, AuthRejectionsListEveryReasonButOk) {
  MetricsRegistry registry(1);
  const std::string text = registry.RenderPrometheus();
  for (int i = 0; i < jwt::kAuthResultCount; ++i) {
    const auto r = static_cast<jwt::AuthResult>(i);
    const std::string line = "jwtgate_auth_rejections_total{reason=\"" +
                             std::string(jwt::AuthResultName(r)) + "\"}";
    EXPECT_EQ(Value(text, line), r == jwt::AuthResult::kOk ? -1 : 0) << line;
  }
}

TEST(MetricsTest, HistogramIsCumulativeWithMatchingCount) {
  MetricsRegistry registry(2);
  registry.shard(0).OnIdSpace(&kV1, kRoutesV1, kUpstreams);
  registry.shard(1).OnIdSpace(&kV1, kRoutesV1, kUpstreams);
  registry.shard(0).OnRequest(&kV1, 0, 200, 400'000, 0, 0);     // 0.4 ms
  registry.shard(0).OnRequest(&kV1, 0, 200, 500'000, 0, 0);     // on a bound
  registry.shard(1).OnRequest(&kV1, 0, 200, 30'000'000, 0, 0);  // 30 ms
  registry.shard(1).OnRequest(&kV1, 0, 200, 60'000'000'000, 0, 0);  // 60 s
  const std::string text = registry.RenderPrometheus();
  const auto bucket = [&](const char* le) {
    return Value(text, std::string("jwtgate_request_duration_seconds_bucket{"
                                   "le=\"") +
                           le + "\"}");
  };
  EXPECT_EQ(bucket("0.0005"), 2);
  EXPECT_EQ(bucket("0.025"), 2);
  EXPECT_EQ(bucket("0.05"), 3);
  EXPECT_EQ(bucket("10"), 3);
  EXPECT_EQ(bucket("+Inf"), 4);
  EXPECT_EQ(Value(text, "jwtgate_request_duration_seconds_count"), 4);
  EXPECT_NEAR(Value(text, "jwtgate_request_duration_seconds_sum"), 60.0309,
              1e-6);
}

TEST(MetricsTest, RouteCountersSurviveSnapshotSwitchByName) {
  MetricsRegistry registry(1);
  ShardMetrics& m = registry.shard(0);
  m.OnIdSpace(&kV1, kRoutesV1, kUpstreams);
  m.OnRequest(&kV1, 0, 200, 0, 0, 0);  // api
  m.OnRequest(&kV1, 1, 200, 0, 0, 0);  // admin
  // Reload: "api" is now id 2, "admin" id 0, "new" id 1.
  m.OnIdSpace(&kV2, kRoutesV2, kUpstreams);
  m.OnRequest(&kV2, 2, 200, 0, 0, 0);  // api
  m.OnRequest(&kV2, 1, 200, 0, 0, 0);  // new
  // A request that started before the reload ends under the old snapshot.
  m.OnRequest(&kV1, 0, 200, 0, 0, 0);  // api, old ids
  const std::string text = registry.RenderPrometheus();
  EXPECT_EQ(Value(text, R"(jwtgate_requests_total{route="api",code="200"})"),
            3);
  EXPECT_EQ(Value(text, R"(jwtgate_requests_total{route="admin",code="200"})"),
            1);
  EXPECT_EQ(Value(text, R"(jwtgate_requests_total{route="new",code="200"})"),
            1);
}

TEST(MetricsTest, ReusedSnapshotAddressGetsItsNewNames) {
  MetricsRegistry registry(1);
  ShardMetrics& m = registry.shard(0);
  m.OnIdSpace(&kV1, kRoutesV1, kUpstreams);
  // The old snapshot was freed and a new one allocated at the same address.
  m.OnIdSpace(&kV1, kRoutesV2, kUpstreams);
  m.OnRequest(&kV1, 0, 204, 0, 0, 0);
  const std::string text = registry.RenderPrometheus();
  EXPECT_EQ(Value(text, R"(jwtgate_requests_total{route="admin",code="204"})"),
            1);
  EXPECT_EQ(Value(text, R"(jwtgate_requests_total{route="api",code="204"})"),
            -1);
}

TEST(MetricsTest, ConfigReloadsAndDraining) {
  MetricsRegistry registry(1);
  registry.OnConfigReload(true);
  registry.OnConfigReload(false);
  registry.OnConfigReload(false);
  registry.SetDraining(true);
  const std::string text = registry.RenderPrometheus();
  EXPECT_EQ(Value(text, R"(jwtgate_config_reloads_total{result="ok"})"), 1);
  EXPECT_EQ(Value(text, R"(jwtgate_config_reloads_total{result="error"})"), 2);
  EXPECT_EQ(Value(text, "jwtgate_draining"), 1);
  EXPECT_TRUE(registry.draining());
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  EXPECT_EQ(EscapeLabelValue(R"(a"b\c)"), R"(a\"b\\c)");
  EXPECT_EQ(EscapeLabelValue("x\ny"), "x\\ny");
  MetricsRegistry registry(1);
  const std::vector<std::string_view> routes = {"we\"ird\\\nname"};
  registry.shard(0).OnIdSpace(&kV1, routes, kUpstreams);
  registry.shard(0).OnRequest(&kV1, 0, 200, 0, 0, 0);
  const std::string text = registry.RenderPrometheus();
  EXPECT_EQ(
      Value(text,
            R"(jwtgate_requests_total{route="we\"ird\\\nname",code="200"})"),
      1);
  std::string report;
  EXPECT_EQ(testing::PromtoolCheckMetrics(text, &report), 0) << report;
}

TEST(MetricsTest, PromtoolAcceptsTheExposition) {
  MetricsRegistry registry(2);
  for (int s = 0; s < 2; ++s) {
    ShardMetrics& m = registry.shard(s);
    m.OnIdSpace(&kV1, kRoutesV1, kUpstreams);
    m.OnRequest(&kV1, 0, 200, 1'234'567, 10, 20);
    m.OnRequest(&kV1, -1, 404, 1'000, 10, 20);
    m.OnAuthRejection(jwt::AuthResult::kBadSignature);
    m.OnUpstreamError(&kV1, 0, UpstreamErrorKind::kConnectTimeout);
    m.OnTokenCache(false);
  }
  registry.OnConfigReload(false);
  const std::string text = registry.RenderPrometheus();
  std::string report;
  EXPECT_EQ(testing::PromtoolCheckMetrics(text, &report), 0) << report << text;
  EXPECT_EQ(report, "");
  // The check can fail: a counter without _total is reported.
  EXPECT_NE(testing::PromtoolCheckMetrics(
                "# HELP bad_counter x\n# TYPE bad_counter counter\n"
                "bad_counter 1\n",
                &report),
            0);
}

TEST(MetricsTest, EveryHelpHasAType) {
  MetricsRegistry registry(1);
  const std::string text = registry.RenderPrometheus();
  for (const char* name :
       {"jwtgate_requests_total", "jwtgate_auth_rejections_total",
        "jwtgate_request_duration_seconds", "jwtgate_upstream_errors_total",
        "jwtgate_connections", "jwtgate_token_cache_hits_total",
        "jwtgate_token_cache_misses_total", "jwtgate_config_reloads_total"}) {
    EXPECT_THAT(text, HasSubstr(std::string("# TYPE ") + name + " "));
    EXPECT_THAT(text, HasSubstr(std::string("# HELP ") + name + " "));
  }
  EXPECT_THAT(text, Not(HasSubstr("\n\n")));
}

TEST(MetricsTest, OldestHeartbeatIsTheStalestShard) {
  MetricsRegistry registry(2);
  EXPECT_EQ(registry.OldestHeartbeatMs(), 0);
  registry.shard(0).Beat(5000);
  EXPECT_EQ(registry.OldestHeartbeatMs(), 0);  // shard 1 never beat
  registry.shard(1).Beat(4000);
  EXPECT_EQ(registry.OldestHeartbeatMs(), 4000);
}

TEST(MetricsTest, StatusCodeSlotsRoundTrip) {
  for (int code : {100, 200, 204, 301, 404, 429, 431, 451, 502, 511}) {
    EXPECT_EQ(StatusCodeSlotLabel(StatusCodeSlot(code)), std::to_string(code));
  }
  EXPECT_EQ(StatusCodeSlotLabel(StatusCodeSlot(306)), "3xx");
  EXPECT_EQ(StatusCodeSlotLabel(StatusCodeSlot(42)), "other");
}

}  // namespace
}  // namespace jwtgate::ops
