// Remote keys (SPEC §2 jwks_url) against the real jwtgate and a local
// HTTPS IdP: a published kid is accepted, a new kid after one refetch, a
// removed kid is refused after the refresh (cached verdicts included), an
// IdP outage or a malformed or huge document keeps the last good set, and a
// flood of unknown kids costs at most one fetch per jwks_min_refetch while
// known kids keep working.
#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/remote_keys_util.h"

namespace jwtgate::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_F(RemoteKeysTest, PublishedKidIsAcceptedOthersRefused) {
  Publish({{"k1", &Rsa2048()}});
  ASSERT_NO_FATAL_FAILURE(StartWithIdp());
  // The first fetch was awaited before the gateway started listening.
  EXPECT_EQ(idp().hits(kJwksPath), 1);
  ASSERT_OK_AND_ASSIGN(HttpResponse ok,
                       GetWithToken("/idp/echo", TokenFor(Rsa2048(), "k1")));
  ASSERT_EQ(ok.status, 200) << ok.body;
  ASSERT_OK_AND_ASSIGN(EchoedRequest echoed, ParseEcho(ok));
  EXPECT_EQ(echoed.Header("X-Auth-UserId"), kItSubject);
  // Unknown kid; known kid signed by another key.
  EXPECT_TRUE(IsGatewayAnswer(
      GetWithToken("/idp/echo", TokenFor(Rsa2048(), "k9")), 401));
  EXPECT_TRUE(IsGatewayAnswer(
      GetWithToken("/idp/echo", TokenFor(Rsa2048Other(), "k1")), 401));
  // The remote key belongs to /idp/ only.
  EXPECT_TRUE(IsGatewayAnswer(
      GetWithToken("/api/echo", TokenFor(Rsa2048(), "k1")), 401));
  EXPECT_TRUE(LogHas("jwks: key idp: first key set from"));
}

TEST_F(RemoteKeysTest, NewKidIsAcceptedAfterOneRefetch) {
  Publish({{"k1", &Rsa2048()}});
  RemoteKeyOptions o;
  o.min_refetch = "1s";  // longer than the polling below takes
  ASSERT_NO_FATAL_FAILURE(StartWithIdp(o));
  ASSERT_EQ(idp().hits(kJwksPath), 1);
  Publish({{"k1", &Rsa2048()}, {"k2", &Rsa2048Other()}});
  const std::string k2 = TokenFor(Rsa2048Other(), "k2");
  // Not known yet: refused, and the refetch is asked for.
  EXPECT_EQ(StatusWith(k2), 401);
  int first_ok_hits = -1;
  ASSERT_TRUE(Eventually(
      [&] {
        if (StatusWith(k2) != 200) return false;
        first_ok_hits = idp().hits(kJwksPath);
        return true;
      },
      seconds(10), milliseconds(20)))
      << GatewayLog();
  EXPECT_EQ(first_ok_hits, 2);
  EXPECT_EQ(StatusWith(TokenFor(Rsa2048(), "k1")), 200);
  EXPECT_TRUE(LogHas("jwks: key idp: new key set from"));
}

TEST_F(RemoteKeysTest, RemovedKidIsRefusedAfterRefreshEvenWhenCached) {
  Publish({{"k1", &Rsa2048()}, {"k2", &Rsa2048Other()}});
  RemoteKeyOptions o;
  o.refresh = "400ms";
  ASSERT_NO_FATAL_FAILURE(StartWithIdp(o));
  const std::string k1 = TokenFor(Rsa2048(), "k1");
  ASSERT_EQ(StatusWith(k1), 200);
  ASSERT_EQ(StatusWith(k1), 200);  // from the shard's token cache
  ASSERT_OK_AND_ASSIGN(MetricsScrape before, ScrapeMetrics(metrics_port()));
  EXPECT_GE(before.Get("jwtgate_token_cache_hits_total"), 1);

  Publish({{"k2", &Rsa2048Other()}});
  ASSERT_TRUE(Eventually([&] { return StatusWith(k1) == 401; }, seconds(10),
                         milliseconds(50)))
      << GatewayLog();
  // The same token again: still refused (no cached verdict survives).
  EXPECT_EQ(StatusWith(k1), 401);
  EXPECT_EQ(StatusWith(TokenFor(Rsa2048Other(), "k2")), 200);
}

TEST_F(RemoteKeysTest, IdpDownKeepsTheLastGoodKeys) {
  Publish({{"k1", &Rsa2048()}});
  RemoteKeyOptions o;
  o.refresh = "300ms";
  o.min_refetch = "100ms";
  GatewayConfig config;
  config.gateway_extra = "token_cache_entries = 0\n";  // verify every time
  ASSERT_NO_FATAL_FAILURE(StartWithIdp(o, config));
  ASSERT_EQ(StatusWith(TokenFor(Rsa2048(), "k1")), 200);

  StopIdp();
  ASSERT_TRUE(Eventually([&] { return Fetches("error") >= 2; }, seconds(10)))
      << GatewayLog();
  EXPECT_EQ(StatusWith(TokenFor(Rsa2048(), "k1")), 200);
  EXPECT_EQ(StatusWith(TokenFor(Rsa2048(), "k1")), 200);
  EXPECT_TRUE(LogHas("keeping the last good set (1 keys)")) << GatewayLog();
  ASSERT_OK_AND_ASSIGN(MetricsScrape m, ScrapeMetrics(metrics_port()));
  EXPECT_EQ(m.Get("jwtgate_jwks_keys", {{"key", "idp"}}), 1);
  EXPECT_GE(
      m.Get("jwtgate_jwks_fetch_total", {{"key", "idp"}, {"result", "ok"}}), 1);
}

TEST_F(RemoteKeysTest, MalformedOrHugeJwksKeepsTheLastGoodKeys) {
  Publish({{"k1", &Rsa2048()}});
  RemoteKeyOptions o;
  o.refresh = "200ms";
  o.min_refetch = "100ms";
  ASSERT_NO_FATAL_FAILURE(StartWithIdp(o));
  const std::string k1 = TokenFor(Rsa2048(), "k1");
  ASSERT_EQ(StatusWith(k1), 200);

  idp().SetJson(kJwksPath, R"({"keys":[{"kty":"RSA","n":)");
  ASSERT_TRUE(Eventually([&] { return Fetches("error") >= 1; }, seconds(10)))
      << GatewayLog();
  EXPECT_EQ(StatusWith(TokenFor(Rsa2048(), "k1")), 200);
  // Over the 1 MiB bound: refused without reading it all.
  idp().SetJson(kJwksPath, std::string(2 << 20, ' ') + R"({"keys":[]})");
  ASSERT_TRUE(Eventually(
      [&] { return LogHas("larger than the limit of 1048576"); }, seconds(10)))
      << GatewayLog();
  EXPECT_EQ(StatusWith(TokenFor(Rsa2048(), "k1")), 200);
  EXPECT_TRUE(LogHas("keeping the last good set (1 keys)"));
}

// 1,000 tokens with random kids: the fetches stay at least min_refetch
// apart, and a known kid between them is accepted every time.
TEST_F(RemoteKeysTest, FloodOfUnknownKidsCausesAtMostOneFetchPerInterval) {
  Publish({{"k1", &Rsa2048()}});
  RemoteKeyOptions o;
  o.min_refetch = "500ms";
  ASSERT_NO_FATAL_FAILURE(StartWithIdp(o));
  const std::string known = TokenFor(Rsa2048(), "k1");
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  const auto start = TestHttpsServer::Clock::now();
  int refused = 0, accepted = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string token =
        i % 100 == 99 ? known
                      : WithKid(known, absl::StrCat("rand-", i, "-", Now()));
    ASSERT_OK_AND_ASSIGN(
        HttpResponse r,
        c.RoundTrip(BuildRequest("GET", "/idp/echo",
                                 {{"Authorization", "Bearer " + token}})));
    if (i % 100 == 99) {
      EXPECT_EQ(r.status, 200) << i;
      accepted += r.status == 200;
    } else {
      refused += r.status == 401;
    }
  }
  const auto flood = TestHttpsServer::Clock::now() - start;
  EXPECT_EQ(refused, 990);
  EXPECT_EQ(accepted, 10);
  // Let a refetch asked for at the end of the flood happen, then count.
  ::poll(nullptr, 0, 700);
  const std::vector<TestHttpsServer::Clock::time_point> fetches =
      idp().hit_times(kJwksPath);
  ASSERT_GE(fetches.size(), 2u);  // the start-up one, and at least one more
  for (size_t i = 1; i < fetches.size(); ++i) {
    EXPECT_GE(fetches[i] - fetches[i - 1], milliseconds(450))
        << "fetch " << i << " came too soon";
  }
  const auto span = flood + milliseconds(700);
  EXPECT_LE(fetches.size(), 2u + static_cast<size_t>(span / milliseconds(500)))
      << "flood lasted "
      << std::chrono::duration_cast<milliseconds>(flood).count() << " ms";
}

}  // namespace
}  // namespace jwtgate::testing
