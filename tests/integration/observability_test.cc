// SPEC §5 against the real jwtgate: /metrics series move as requests of
// each class are made (200, 401 by reason, 403, 404, 502, token cache,
// connections), the live scrape passes `promtool check metrics`, /healthz
// says ok; the access log has one JSON line per request with every field
// and the right values, and no token or secret appears in any log.
#include <signal.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "tests/integration/integration_util.h"
#include "tests/integration/lifecycle_util.h"

namespace jwtgate::testing {
namespace {

using std::chrono::seconds;
using Labels = std::vector<std::pair<std::string, std::string>>;

double Delta(const MetricsScrape& before, const MetricsScrape& after,
             std::string_view name, const Labels& labels = {}) {
  return after.Get(name, labels) - before.Get(name, labels);
}

class ObservabilityTest : public GatewayFixture {
 protected:
  MetricsScrape Scrape() {
    absl::StatusOr<MetricsScrape> m = ScrapeMetrics(metrics_port());
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? *std::move(m) : *MetricsScrape::Parse("");
  }
  // A scrape once `total` requests since `base` are counted: a shard
  // records a request when its last send completes, which may be just
  // after the client has read the answer.
  MetricsScrape ScrapeCounting(const MetricsScrape& base, double total) {
    MetricsScrape m = Scrape();
    Eventually(
        [&] {
          m = Scrape();
          return Delta(base, m, "jwtgate_request_duration_seconds_count") >=
                 total;
        },
        std::chrono::seconds(2));
    return m;
  }
  // A token for /api/ signed with secret() but expired an hour ago.
  std::string ExpiredToken() const {
    jwt::MintOptions o = ValidClaims();
    o.now_unix = Now() - 7200;
    o.ttl_seconds = 3600;
    return Mint(o);
  }
  // A valid-looking token signed with a secret the gateway does not know.
  std::string ForeignToken() const {
    jwt::MintOptions o = ValidClaims();
    o.secret = "not-the-gateway-secret-0123456789abcdef";
    return Mint(o);
  }
  // A valid token without the read:messages scope /scoped/ requires.
  std::string UnscopedToken() const {
    jwt::MintOptions o = ValidClaims();
    o.claims_json = {{"scope", "\"openid\""}};
    return Mint(o);
  }
  int StatusOf(std::string_view target, std::string_view token = "") {
    absl::StatusOr<HttpResponse> r =
        token.empty() ? Get(target) : GetWithToken(target, token);
    return r.ok() ? r->status : -1;
  }
};

TEST_F(ObservabilityTest, MetricsMoveWithEachClassOfRequest) {
  GatewayConfig config;
  config.shards = 2;
  ASSERT_NO_FATAL_FAILURE(StartGateway(config));
  const MetricsScrape m0 = Scrape();
  EXPECT_EQ(m0.Get("jwtgate_shards"), 2);

  // Token cache: one kept-alive connection stays on one shard, so the same
  // token three times is one miss and two hits.
  const std::string token = ValidToken();
  {
    ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK_AND_ASSIGN(
          HttpResponse r,
          c.RoundTrip(BuildRequest("GET", "/api/echo",
                                   {{"Authorization", "Bearer " + token}})));
      ASSERT_EQ(r.status, 200);
    }
  }
  const MetricsScrape m1 = ScrapeCounting(m0, 3);
  EXPECT_EQ(Delta(m0, m1, "jwtgate_token_cache_misses_total"), 1);
  EXPECT_EQ(Delta(m0, m1, "jwtgate_token_cache_hits_total"), 2);
  EXPECT_EQ(Delta(m0, m1, "jwtgate_requests_total",
                  {{"route", "api"}, {"code", "200"}}),
            3);

  // One request of each other class.
  EXPECT_EQ(StatusOf("/api/echo"), 401);
  EXPECT_EQ(StatusOf("/api/echo", ExpiredToken()), 401);
  EXPECT_EQ(StatusOf("/api/echo", ForeignToken()), 401);
  EXPECT_EQ(StatusOf("/scoped/echo", UnscopedToken()), 403);
  EXPECT_EQ(StatusOf("/nowhere/echo"), 404);
  EXPECT_EQ(StatusOf("/dead/echo"), 502);
  EXPECT_EQ(StatusOf("/public/echo"), 200);
  const MetricsScrape m2 = ScrapeCounting(m0, 10);

  EXPECT_EQ(Delta(m1, m2, "jwtgate_requests_total",
                  {{"route", "api"}, {"code", "401"}}),
            3);
  EXPECT_EQ(Delta(m1, m2, "jwtgate_requests_total",
                  {{"route", "scoped"}, {"code", "403"}}),
            1);
  EXPECT_EQ(
      Delta(m1, m2, "jwtgate_requests_total", {{"route", ""}, {"code", "404"}}),
      1);
  EXPECT_EQ(Delta(m1, m2, "jwtgate_requests_total",
                  {{"route", "dead"}, {"code", "502"}}),
            1);
  EXPECT_EQ(Delta(m1, m2, "jwtgate_requests_total",
                  {{"route", "public"}, {"code", "200"}}),
            1);
  for (const char* reason :
       {"no_token", "expired", "bad_signature", "insufficient_scope"}) {
    EXPECT_EQ(
        Delta(m1, m2, "jwtgate_auth_rejections_total", {{"reason", reason}}), 1)
        << reason;
  }
  EXPECT_EQ(Delta(m1, m2, "jwtgate_auth_rejections_total",
                  {{"reason", "bad_issuer"}}),
            0);
  EXPECT_EQ(Delta(m1, m2, "jwtgate_upstream_errors_total",
                  {{"upstream", "dead"}, {"kind", "refused"}}),
            1);
  EXPECT_EQ(Delta(m1, m2, "jwtgate_upstream_errors_total",
                  {{"upstream", "backend"}, {"kind", "refused"}}),
            0);
  // Every answered request is in the histogram.
  EXPECT_EQ(Delta(m0, m2, "jwtgate_request_duration_seconds_count"), 10);
  EXPECT_EQ(Delta(m0, m2, "jwtgate_request_duration_seconds_bucket",
                  {{"le", "+Inf"}}),
            10);
  EXPECT_GT(Delta(m0, m2, "jwtgate_request_duration_seconds_sum"), 0);
  EXPECT_GT(Delta(m0, m2, "jwtgate_received_bytes_total", {{"route", "api"}}),
            0);
  EXPECT_GT(Delta(m0, m2, "jwtgate_sent_bytes_total", {{"route", "public"}}),
            0);
  EXPECT_EQ(m2.Get("jwtgate_config_reloads_total", {{"result", "ok"}}), 0);
  EXPECT_EQ(m2.Get("jwtgate_config_reloads_total", {{"result", "error"}}), 0);

  // The connections gauge follows open client connections; the upstream
  // side holds the pooled keep-alive connections.
  EXPECT_TRUE(Eventually(
      [&] {
        return Scrape().Get("jwtgate_connections", {{"side", "client"}}) == 0;
      },
      seconds(3)));
  EXPECT_GE(Scrape().Get("jwtgate_connections", {{"side", "upstream"}}), 1);
  std::vector<HttpClient> open;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
    ASSERT_OK_AND_ASSIGN(HttpResponse r,
                         c.RoundTrip(BuildRequest("GET", "/public/echo")));
    ASSERT_EQ(r.status, 200);
    open.push_back(std::move(c));
  }
  double clients = -1;
  EXPECT_TRUE(Eventually(
      [&] {
        clients = Scrape().Get("jwtgate_connections", {{"side", "client"}});
        return clients == 3;
      },
      seconds(3)))
      << "jwtgate_connections{side=\"client\"} is " << clients
      << " with 3 open";
  open.clear();
  EXPECT_TRUE(Eventually(
      [&] {
        clients = Scrape().Get("jwtgate_connections", {{"side", "client"}});
        return clients == 0;
      },
      seconds(3)))
      << "jwtgate_connections{side=\"client\"} is " << clients
      << " after all closed";
}

TEST_F(ObservabilityTest, LiveScrapePassesPromtoolAndHealthzSaysOk) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpResponse health,
                       MetricsGet(metrics_port(), "/healthz"));
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body.substr(0, 2), "ok");

  // Series of every kind, with labels, before the scrape.
  EXPECT_EQ(StatusOf("/api/echo", ValidToken()), 200);
  EXPECT_EQ(StatusOf("/api/echo", ExpiredToken()), 401);
  EXPECT_EQ(StatusOf("/scoped/echo", UnscopedToken()), 403);
  EXPECT_EQ(StatusOf("/nowhere"), 404);
  EXPECT_EQ(StatusOf("/dead/echo"), 502);
  ASSERT_OK_AND_ASSIGN(HttpResponse r, MetricsGet(metrics_port(), "/metrics"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type").value_or("").rfind("text/plain", 0), 0u)
      << r.Header("content-type").value_or("(none)");
  ASSERT_THAT(MetricsScrape::Parse(r.body), IsOk());

  EXPECT_TRUE(PromtoolAccepts(r.body, temp_dir()));
}

TEST_F(ObservabilityTest, AccessLogHasEveryFieldRightValuesAndNoToken) {
  GatewayConfig config;
  config.shards = 2;
  config.access_log = temp_dir() + "/access.log";
  ASSERT_NO_FATAL_FAILURE(StartGateway(config));

  const std::string good = ValidToken();
  const std::string expired = ExpiredToken();
  const std::string foreign = ForeignToken();
  const std::string unscoped = UnscopedToken();
  // Distinct paths (the upstream answers /echo under any prefix) so every
  // line can be told apart. A token in the query string must not be logged
  // either: the path is logged without it.
  EXPECT_EQ(StatusOf("/api/echo/good", good), 200);
  EXPECT_EQ(StatusOf("/api/echo/none?access_token=" + good), 401);
  EXPECT_EQ(StatusOf("/api/echo/expired", expired), 401);
  EXPECT_EQ(StatusOf("/api/echo/foreign", foreign), 401);
  EXPECT_EQ(StatusOf("/scoped/echo/unscoped", unscoped), 403);
  EXPECT_EQ(StatusOf("/public/echo/open"), 200);
  EXPECT_EQ(StatusOf("/nowhere/x"), 404);
  EXPECT_EQ(StatusOf("/dead/echo/down"), 502);
  {
    ASSERT_OK_AND_ASSIGN(
        HttpResponse r, Exchange(BuildRequest("POST", "/public/echo/upload", {},
                                              std::string(1000, 'b'))));
    EXPECT_EQ(r.status, 200);
  }
  {
    ASSERT_OK_AND_ASSIGN(
        HttpResponse r,
        Get("/cookie/echo/cookie", {{"Cookie", "access_token=" + good}}));
    EXPECT_EQ(r.status, 200);
  }
  constexpr size_t kRequests = 10;
  // Stopping flushes the log; every line is in the file afterwards.
  ASSERT_EQ(DescribeWaitStatus(StopGateway()), "exit 0");

  const std::string log = ReadFileOrEmpty(config.access_log);
  std::vector<std::string> lines = SplitLines(log);
  ASSERT_EQ(lines.size(), kRequests) << log;
  ASSERT_EQ(log.back(), '\n');
  simdjson::dom::parser parser;
  std::map<std::string, std::string> by_path;  // path -> raw line
  for (const std::string& line : lines) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS)
        << "not JSON: " << line;
    simdjson::dom::object obj;
    ASSERT_EQ(doc.get_object().get(obj), simdjson::SUCCESS) << line;
    EXPECT_EQ(obj.size(), 14u) << "fields other than SPEC §5's: " << line;
    std::string_view s;
    int64_t i = 0;
    uint64_t u = 0;
    auto string_or_null = [&](const char* f) {
      return doc[f].is_null() ||
             doc[f].get_string().get(s) == simdjson::SUCCESS;
    };
    EXPECT_EQ(doc["ts"].get_string().get(s), simdjson::SUCCESS) << line;
    EXPECT_TRUE(s.size() == 24 && s[10] == 'T' && s.back() == 'Z') << line;
    EXPECT_EQ(doc["shard"].get_int64().get(i), simdjson::SUCCESS) << line;
    EXPECT_TRUE(i == 0 || i == 1) << line;
    EXPECT_EQ(doc["client"].get_string().get(s), simdjson::SUCCESS) << line;
    EXPECT_EQ(s, "127.0.0.1") << line;
    EXPECT_EQ(doc["method"].get_string().get(s), simdjson::SUCCESS) << line;
    EXPECT_TRUE(string_or_null("route")) << line;
    EXPECT_EQ(doc["status"].get_int64().get(i), simdjson::SUCCESS) << line;
    EXPECT_EQ(doc["bytes_in"].get_uint64().get(u), simdjson::SUCCESS) << line;
    EXPECT_GT(u, 0u) << line;
    EXPECT_EQ(doc["bytes_out"].get_uint64().get(u), simdjson::SUCCESS) << line;
    EXPECT_GT(u, 0u) << line;
    EXPECT_TRUE(string_or_null("upstream")) << line;
    EXPECT_TRUE(doc["upstream_ms"].is_null() ||
                doc["upstream_ms"].get_int64().get(i) == simdjson::SUCCESS)
        << line;
    EXPECT_EQ(doc["total_ms"].get_int64().get(i), simdjson::SUCCESS) << line;
    EXPECT_GE(i, 0) << line;
    EXPECT_TRUE(string_or_null("sub")) << line;
    EXPECT_EQ(doc["auth"].get_string().get(s), simdjson::SUCCESS) << line;
    ASSERT_EQ(doc["path"].get_string().get(s), simdjson::SUCCESS) << line;
    by_path[std::string(s)] = line;
  }
  ASSERT_EQ(by_path.size(), kRequests) << "paths are not distinct:\n" << log;

  // Values of known requests: route, status, sub, auth, upstream.
  struct Expect {
    const char* path;
    const char* method;
    const char* route;  // nullptr: JSON null
    int status;
    const char* sub;
    const char* auth;
    bool upstream;  // upstream and upstream_ms set
  };
  const std::string backend = absl::StrCat("127.0.0.1:", upstream_port());
  const Expect expected[] = {
      {"/api/echo/good", "GET", "api", 200, kItSubject, "ok", true},
      {"/api/echo/none", "GET", "api", 401, nullptr, "no_token", false},
      {"/api/echo/expired", "GET", "api", 401, nullptr, "expired", false},
      {"/api/echo/foreign", "GET", "api", 401, nullptr, "bad_signature", false},
      {"/scoped/echo/unscoped", "GET", "scoped", 403, nullptr,
       "insufficient_scope", false},
      {"/public/echo/open", "GET", "public", 200, nullptr, "none", true},
      {"/nowhere/x", "GET", nullptr, 404, nullptr, "none", false},
      {"/dead/echo/down", "GET", "dead", 502, nullptr, "none", false},
      {"/public/echo/upload", "POST", "public", 200, nullptr, "none", true},
      {"/cookie/echo/cookie", "GET", "cookie", 200, kItSubject, "ok", true},
  };
  for (const Expect& e : expected) {
    SCOPED_TRACE(e.path);
    auto it = by_path.find(e.path);
    ASSERT_NE(it, by_path.end()) << "no line with path " << e.path;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(it->second).get(doc), simdjson::SUCCESS);
    std::string_view s;
    int64_t i = 0;
    EXPECT_EQ(doc["method"].get_string().value_unsafe(), e.method);
    if (e.route == nullptr) {
      EXPECT_TRUE(doc["route"].is_null()) << it->second;
    } else {
      EXPECT_EQ(doc["route"].get_string().get(s), simdjson::SUCCESS);
      EXPECT_EQ(s, e.route);
    }
    EXPECT_EQ(doc["status"].get_int64().get(i), simdjson::SUCCESS);
    EXPECT_EQ(i, e.status);
    if (e.sub == nullptr) {
      // A refused token's subject is not trusted, so not logged.
      if (std::string_view(e.auth) != "insufficient_scope") {
        EXPECT_TRUE(doc["sub"].is_null()) << it->second;
      }
    } else {
      EXPECT_EQ(doc["sub"].get_string().get(s), simdjson::SUCCESS);
      EXPECT_EQ(s, e.sub);
    }
    EXPECT_EQ(doc["auth"].get_string().get(s), simdjson::SUCCESS);
    EXPECT_EQ(s, e.auth);
    if (e.upstream) {
      EXPECT_EQ(doc["upstream"].get_string().get(s), simdjson::SUCCESS);
      EXPECT_EQ(s, backend);
      EXPECT_EQ(doc["upstream_ms"].get_int64().get(i), simdjson::SUCCESS);
      EXPECT_GE(i, 0);
    } else if (std::string_view(e.path) != "/dead/echo/down") {
      EXPECT_TRUE(doc["upstream"].is_null()) << it->second;
      EXPECT_TRUE(doc["upstream_ms"].is_null()) << it->second;
    }
  }
  uint64_t upload_in = 0;
  ASSERT_EQ(parser.parse(by_path["/public/echo/upload"])
                .get_object()["bytes_in"]
                .get_uint64()
                .get(upload_in),
            simdjson::SUCCESS);
  EXPECT_GE(upload_in, 1000u);

  // No token, no part of a token's payload or signature, and no secret in
  // the access log or on stderr.
  const std::string stderr_text = GatewayLog();
  for (const std::string& t : {good, expired, foreign, unscoped}) {
    std::vector<std::string> parts = absl::StrSplit(t, '.');
    ASSERT_EQ(parts.size(), 3u);
    for (const std::string& needle : {t, parts[1], parts[2]}) {
      EXPECT_EQ(log.find(needle), std::string::npos)
          << "a token (part) is in the access log";
      EXPECT_EQ(stderr_text.find(needle), std::string::npos)
          << "a token (part) is on stderr";
    }
  }
  for (const std::string& secret : {secret(), secret2()}) {
    EXPECT_EQ(log.find(secret), std::string::npos);
    EXPECT_EQ(stderr_text.find(secret), std::string::npos);
  }
}

TEST_F(ObservabilityTest, AccessLogToStderrIsJsonAndCarriesNoToken) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());  // access_log = stderr
  const std::string good = ValidToken();
  const std::string foreign = ForeignToken();
  EXPECT_EQ(StatusOf("/api/echo/stderr-good", good), 200);
  EXPECT_EQ(StatusOf("/api/echo/stderr-foreign", foreign), 401);
  ASSERT_EQ(DescribeWaitStatus(StopGateway()), "exit 0");
  const std::string text = GatewayLog();
  simdjson::dom::parser parser;
  size_t json_lines = 0;
  for (const std::string& line : SplitLines(text)) {
    if (line.empty() || line[0] != '{') continue;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
    ++json_lines;
  }
  EXPECT_EQ(json_lines, 2u) << text;
  EXPECT_NE(text.find("\"path\":\"/api/echo/stderr-foreign\""),
            std::string::npos);
  for (const std::string& t : {good, foreign}) {
    EXPECT_EQ(text.find(t), std::string::npos);
    EXPECT_EQ(text.find(t.substr(t.rfind('.') + 1)), std::string::npos);
  }
  EXPECT_EQ(text.find(secret()), std::string::npos);
}

}  // namespace
}  // namespace jwtgate::testing
