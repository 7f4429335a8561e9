// JwksFetcher end to end: a real HTTPS "IdP" on 127.0.0.1 (CA and keys made
// at test time), real fetches, real key parsing. Waits are bounded and
// event-driven (deliveries, server hits); the few negative checks ("no
// further fetch") wait a bounded window on purpose.
#include "jwtgate/jwks/jwks_fetcher.h"

#include <chrono>
#include <random>
#include <thread>

#include "fetcher_fixture.h"
#include "gtest/gtest.h"
#include "jwks/text.h"
#include "jwtgate/jwt/alg.h"

namespace jwtgate::jwks {
namespace {

using namespace std::chrono_literals;
using testing::Deliveries;
using testing::FindKid;
using testing::JwksFetcherTest;
using testing::JwksJson;
using testing::Kids;
using testing::TestHttpsServer;
using testing::TestPki;
using testing::WaitUntil;

TEST_F(JwksFetcherTest, FirstFetchDeliversKeysThatVerifySignatures) {
  Publish(
      {Jwk(keys_.rsa, "rsa-1"), Jwk(keys_.ed1, "ed-1"), Jwk(keys_.ec, "ec-1")});
  auto fetcher = Start(Source(), Options());
  ASSERT_TRUE(fetcher->WaitForFirst(absl::Seconds(10)).ok());
  ASSERT_TRUE(deliveries_.WaitFor(1));
  EXPECT_EQ(deliveries_.name(0), "idp");
  const auto set = deliveries_.set(0);
  EXPECT_EQ(Kids(set), (std::vector<std::string>{"ec-1", "ed-1", "rsa-1"}));
  for (const auto& k : set) EXPECT_EQ(k->name(), "idp");

  const std::string input = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0";
  const jwt::Key* rsa = FindKid(set, "rsa-1");
  ASSERT_NE(rsa, nullptr);
  ASSERT_TRUE(rsa->Supports(jwt::Alg::kRS256));
  EXPECT_TRUE(rsa->Verify(jwt::Alg::kRS256, input,
                          testing::Sign(keys_.rsa.get(), input)));
  EXPECT_FALSE(rsa->Verify(jwt::Alg::kRS256, input,
                           testing::Sign(keys_.rsa.get(), "other")));
  const jwt::Key* ed = FindKid(set, "ed-1");
  ASSERT_NE(ed, nullptr);
  EXPECT_TRUE(ed->Verify(jwt::Alg::kEdDSA, input,
                         testing::Sign(keys_.ed1.get(), input)));
  EXPECT_FALSE(ed->Verify(jwt::Alg::kEdDSA, input,
                          testing::Sign(keys_.ed2.get(), input)));

  const int idx = fetcher->SourceIndex("idp");
  ASSERT_EQ(idx, 0);
  EXPECT_EQ(fetcher->SourceIndex("nope"), -1);
  EXPECT_EQ(fetcher->CurrentKeys(idx).size(), 3u);
  const JwksSourceStats stats = fetcher->stats(idx);
  EXPECT_EQ(stats.fetch_ok, 1u);
  EXPECT_EQ(stats.fetch_error, 0u);
  EXPECT_EQ(stats.key_count, 3u);
  EXPECT_GT(stats.last_success_unix, 0);
}

TEST_F(JwksFetcherTest, RotationNewKidIsDeliveredAfterOneRefetch) {
  Publish({Jwk(keys_.ed1, "ed-1")});
  auto fetcher = Start(Source(), Options());
  ASSERT_TRUE(deliveries_.WaitFor(1));
  ASSERT_EQ(Kids(deliveries_.set(0)), std::vector<std::string>{"ed-1"});

  // The IdP rotates: a new kid appears. A token with kid "ed-2" reaches a
  // shard, which does not know it and asks for a refetch.
  Publish({Jwk(keys_.ed1, "ed-1"), Jwk(keys_.ed2, "ed-2")});
  fetcher->RequestRefetch("idp");
  ASSERT_TRUE(deliveries_.WaitFor(2));
  const auto set = deliveries_.set(1);
  EXPECT_EQ(Kids(set), (std::vector<std::string>{"ed-1", "ed-2"}));
  const std::string input = "a.b";
  const jwt::Key* ed2 = FindKid(set, "ed-2");
  ASSERT_NE(ed2, nullptr);
  EXPECT_TRUE(ed2->Verify(jwt::Alg::kEdDSA, input,
                          testing::Sign(keys_.ed2.get(), input)));
  EXPECT_EQ(idp_.hits(kPath), 2);  // exactly one refetch
}

TEST_F(JwksFetcherTest, RemovedKidIsGoneAfterTheBackgroundRefresh) {
  Publish({Jwk(keys_.ed1, "ed-1"), Jwk(keys_.ed2, "ed-2")});
  auto fetcher = Start(Source(absl::Milliseconds(300)), Options());
  ASSERT_TRUE(deliveries_.WaitFor(1));
  Publish({Jwk(keys_.ed2, "ed-2")});
  ASSERT_TRUE(deliveries_.WaitFor(2));  // no refetch request: the refresh
  EXPECT_EQ(Kids(deliveries_.set(1)), std::vector<std::string>{"ed-2"});
  EXPECT_EQ(Kids(fetcher->CurrentKeys(0)), std::vector<std::string>{"ed-2"});
}

TEST_F(JwksFetcherTest, UnchangedSetIsNotDeliveredAgain) {
  const std::string a = Jwk(keys_.ed1, "ed-1"), b = Jwk(keys_.ed2, "ed-2");
  Publish({a, b});
  auto fetcher = Start(Source(absl::Milliseconds(150)), Options());
  ASSERT_TRUE(deliveries_.WaitFor(1));
  // Same keys, other order and formatting.
  idp_.SetJson(kPath, Cat("{ \"keys\" : [ ", b, ",\n ", a, " ] }"));
  ASSERT_TRUE(idp_.WaitForHits(kPath, 4, 10s));
  ASSERT_TRUE(WaitUntil([&] { return fetcher->stats(0).fetch_ok >= 4; }));
  EXPECT_EQ(deliveries_.count(), 1u);
}

TEST_F(JwksFetcherTest, IdpDownKeepsTheLastGoodSetAndRetries) {
  Publish({Jwk(keys_.ed1, "ed-1")});
  auto fetcher = Start(Source(absl::Milliseconds(200)), Options());
  ASSERT_TRUE(deliveries_.WaitFor(1));
  const auto good = fetcher->CurrentKeys(0);

  TestHttpsServer::Reply down;
  down.status = 503;
  idp_.SetReply(kPath, down);
  const int hits_before = idp_.hits(kPath);
  ASSERT_TRUE(idp_.WaitForHits(kPath, hits_before + 3, 10s));  // retrying
  ASSERT_TRUE(WaitUntil([&] { return fetcher->stats(0).fetch_error >= 3; }));
  // The connection is dropped without an answer, too.
  TestHttpsServer::Reply dropped;
  dropped.drop = true;
  idp_.SetReply(kPath, dropped);
  ASSERT_TRUE(idp_.WaitForHits(kPath, idp_.hits(kPath) + 2, 10s));
  EXPECT_EQ(deliveries_.count(), 1u);
  EXPECT_EQ(fetcher->CurrentKeys(0), good);  // the same key objects
  EXPECT_EQ(fetcher->stats(0).key_count, 1u);

  // The IdP comes back with the same keys: fetches succeed, nothing new to
  // deliver.
  Publish({Jwk(keys_.ed1, "ed-1")});
  const uint64_t ok_before = fetcher->stats(0).fetch_ok;
  ASSERT_TRUE(
      WaitUntil([&] { return fetcher->stats(0).fetch_ok > ok_before; }));
  EXPECT_EQ(deliveries_.count(), 1u);
}

TEST_F(JwksFetcherTest, FloodOfRandomKidsCausesAtMostOneFetchPerInterval) {
  Publish({Jwk(keys_.ed1, "ed-1")});
  const auto min_refetch = 400ms;
  auto fetcher =
      Start(Source(absl::Hours(1), absl::FromChrono(min_refetch)), Options());
  ASSERT_TRUE(deliveries_.WaitFor(1));
  ASSERT_EQ(idp_.hits(kPath), 1);
  const int idx = fetcher->SourceIndex("idp");

  // What a shard does for each token whose kid it does not know.
  std::mt19937_64 rng(7);
  auto on_token = [&](uint64_t random_kid) {
    const std::string kid = Cat("kid-", random_kid);
    if (FindKid(fetcher->CurrentKeys(idx), kid) == nullptr) {
      fetcher->RequestRefetch(idx);
    }
  };

  // Burst: 1,000 random kids from 4 threads at once → one refetch.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, seed = rng()] {
      std::mt19937_64 local(seed);
      for (int i = 0; i < 250; ++i) on_token(local());
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(idp_.WaitForHits(kPath, 2, 10s));
  EXPECT_FALSE(idp_.WaitForHits(kPath, 3, min_refetch * 2));

  // Sustained: 1,000 more spread over ~1.5 s → fetches at least
  // min_refetch apart.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) {
    on_token(rng());
    std::this_thread::sleep_for(1500us);
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // Let the last deferred refetch (if any) happen, then stop.
  idp_.WaitForHits(kPath, idp_.hits(kPath) + 1, min_refetch * 2);
  fetcher->Stop();
  const auto times = idp_.hit_times(kPath);
  for (size_t i = 2; i < times.size(); ++i) {
    EXPECT_GE(times[i] - times[i - 1], min_refetch - 20ms) << "fetch " << i;
  }
  const int allowed =
      1 + static_cast<int>((elapsed + min_refetch * 2) / min_refetch);
  EXPECT_LE(static_cast<int>(times.size()) - 2, allowed);
  EXPECT_GE(times.size(), 3u);         // the sustained flood did refetch
  EXPECT_EQ(deliveries_.count(), 1u);  // the set never changed
}

TEST_F(JwksFetcherTest, CacheControlMaxAgeSetsTheNextRefresh) {
  // refresh = 1 h, but the IdP says max-age=1: refetched after ~1 s.
  Publish({Jwk(keys_.ed1, "ed-1")}, "Cache-Control: public, max-age=1\r\n");
  auto fetcher =
      Start(Source(absl::Hours(1), absl::Milliseconds(100)), Options());
  ASSERT_TRUE(idp_.WaitForHits(kPath, 2, 10s));
  const auto times = idp_.hit_times(kPath);
  EXPECT_GE(times[1] - times[0], 950ms);
}

TEST_F(JwksFetcherTest, CacheControlMaxAgeIsBoundedByMinRefetchAndRefresh) {
  // max-age=0 is raised to min_refetch (300 ms).
  Publish({Jwk(keys_.ed1, "ed-1")}, "Cache-Control: max-age=0\r\n");
  auto fetcher =
      Start(Source(absl::Hours(1), absl::Milliseconds(300)), Options());
  ASSERT_TRUE(idp_.WaitForHits(kPath, 3, 10s));
  fetcher->Stop();
  const auto low = idp_.hit_times(kPath);
  for (size_t i = 1; i < low.size(); ++i) {
    EXPECT_GE(low[i] - low[i - 1], 290ms);
  }

  // max-age=3600 is lowered to refresh (200 ms).
  TestHttpsServer idp2(TestPki::Get().server);
  idp2.SetJson(kPath, JwksJson({Jwk(keys_.ed1, "ed-1")}),
               "Cache-Control: max-age=3600\r\n");
  RemoteKeySourceConfig source =
      Source(absl::Milliseconds(200), absl::Milliseconds(100));
  source.jwks_url = idp2.Url(kPath);
  auto fetcher2 = Start(source, Options());
  EXPECT_TRUE(idp2.WaitForHits(kPath, 3, 10s));
}

TEST_F(JwksFetcherTest, StartsWithoutKeysWhenTheIdpIsDownThenCatchesUp) {
  TestHttpsServer::Reply down;
  down.status = 500;
  idp_.SetReply(kPath, down);
  auto fetcher = Start(Source(), Options());
  absl::Status first = fetcher->WaitForFirst(absl::Milliseconds(300));
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(ToStd(first.message()).find("HTTP 500"), std::string_view::npos)
      << first;
  EXPECT_NE(ToStd(first.message()).find("starting anyway"),
            std::string_view::npos);
  EXPECT_EQ(fetcher->stats(0).key_count, 0u);
  // Backoff retries pick the keys up once the IdP answers.
  Publish({Jwk(keys_.ed1, "ed-1")});
  ASSERT_TRUE(deliveries_.WaitFor(1));
  EXPECT_TRUE(fetcher->WaitForFirst(absl::ZeroDuration()).ok());
}

// The gateway's start-up wait: over once each source has keys or a failed
// fetch, so an IdP that refuses does not hold the start for the whole bound.
TEST_F(JwksFetcherTest, WaitForFirstFetchEndsAtTheFirstFailure) {
  TestHttpsServer::Reply down;
  down.status = 503;
  idp_.SetReply(kPath, down);
  RemoteKeySourceConfig source = Source();
  JwksFetcherOptions options = Options();
  options.backoff_initial = absl::Seconds(30);  // no retry during the test
  options.backoff_max = absl::Seconds(30);
  auto fetcher = Start(source, options);
  const auto start = std::chrono::steady_clock::now();
  absl::Status first = fetcher->WaitForFirstFetch(absl::Seconds(20));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(ToStd(first.message()).find("HTTP 503"), std::string_view::npos)
      << first;
  EXPECT_EQ(idp_.hits(kPath), 1);
  // WaitForFirst still waits for keys.
  EXPECT_FALSE(fetcher->WaitForFirst(absl::Milliseconds(50)).ok());
}

TEST_F(JwksFetcherTest, WaitForFirstFetchIsBoundedWhileTheIdpHangs) {
  TestHttpsServer::Reply hang;
  hang.hang = true;
  idp_.SetReply(kPath, hang);
  auto fetcher = Start(Source(), Options());
  ASSERT_TRUE(idp_.WaitForHits(kPath, 1, 10s));
  const auto start = std::chrono::steady_clock::now();
  absl::Status first = fetcher->WaitForFirstFetch(absl::Milliseconds(200));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 3s);
  EXPECT_NE(ToStd(first.message()).find("no answer yet"),
            std::string_view::npos)
      << first;
}

TEST_F(JwksFetcherTest, StopCancelsAFetchInProgress) {
  TestHttpsServer::Reply hang;
  hang.hang = true;
  idp_.SetReply(kPath, hang);
  JwksFetcherOptions options = Options();
  options.request_timeout = absl::Seconds(60);
  auto fetcher = Start(Source(), options);
  ASSERT_TRUE(idp_.WaitForHits(kPath, 1, 10s));
  const auto start = std::chrono::steady_clock::now();
  fetcher->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(fetcher->stats(0).fetch_error, 0u);  // a cancel is not an error
  fetcher->Stop();                               // idempotent
}

TEST_F(JwksFetcherTest, CarryOverKeepsKeysAcrossAReload) {
  Publish({Jwk(keys_.ed1, "ed-1")});
  auto old_fetcher = Start(Source(), Options());
  ASSERT_TRUE(deliveries_.WaitFor(1));
  const auto keys = old_fetcher->CurrentKeys(0);

  Deliveries second;
  JwksFetcherOptions options = Options();
  options.on_keys = second.Callback();
  RemoteKeySourceConfig changed = Source();
  changed.name = "other";
  std::vector<RemoteKeySourceConfig> sources = {Source(), changed};
  auto fetcher = JwksFetcher::Create(sources, options);
  ASSERT_TRUE(fetcher.ok()) << fetcher.status();
  (*fetcher)->CarryOver(*old_fetcher);
  old_fetcher->Stop();
  EXPECT_EQ((*fetcher)->CurrentKeys(0), keys);      // same config: carried
  EXPECT_TRUE((*fetcher)->CurrentKeys(1).empty());  // new source: not
  EXPECT_EQ((*fetcher)->stats(0).fetch_ok, 1u);

  (*fetcher)->Start();
  ASSERT_TRUE((*fetcher)->WaitForFirst(absl::Seconds(10)).ok());
  ASSERT_TRUE(second.WaitFor(1));
  EXPECT_EQ(second.name(0), "other");  // only the new source is delivered
  ASSERT_TRUE(WaitUntil([&] { return (*fetcher)->stats(0).fetch_ok >= 2; }));
  EXPECT_EQ(second.count(), 1u);
}

TEST_F(JwksFetcherTest, RendersPrometheusSeries) {
  Publish({Jwk(keys_.ed1, "ed-1"), Jwk(keys_.ed2, "ed-2")});
  auto fetcher = Start(Source(), Options());
  ASSERT_TRUE(deliveries_.WaitFor(1));
  idp_.SetJson(kPath, "{");
  fetcher->RequestRefetch(0);
  ASSERT_TRUE(WaitUntil([&] { return fetcher->stats(0).fetch_error >= 1; }));
  const int64_t now = fetcher->stats(0).last_success_unix + 7;
  const std::string text = fetcher->RenderPrometheus(now);
  EXPECT_NE(text.find("# TYPE jwtgate_jwks_fetch_total counter"),
            std::string::npos);
  EXPECT_NE(
      text.find("jwtgate_jwks_fetch_total{key=\"idp\",result=\"ok\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("jwtgate_jwks_fetch_total{key=\"idp\",result=\"error\"} 1\n"),
      std::string::npos);
  EXPECT_NE(text.find("jwtgate_jwks_keys{key=\"idp\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("jwtgate_jwks_key_set_age_seconds{key=\"idp\"} 7\n"),
            std::string::npos);
}

}  // namespace
}  // namespace jwtgate::jwks
