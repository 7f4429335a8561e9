// The verified-token cache through the Verifier: hits, stats, expiry,
// eviction at the bound, rules and claims applied on hits, and entries
// whose key is gone (reload, JWKS refresh) not honoured.
#include "jwt/token_cache.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtgate/jwt/policy.h"
#include "jwtgate/jwt/verifier.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/token_factory.h"

namespace jwtgate::jwt {
namespace {

using ::jwtgate::testing::FakeClock;
using ::jwtgate::testing::TokenFactory;
using ::testing::ElementsAre;

class TokenCacheTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  TokenFactory factory_{clock_.UnixSeconds()};
  Policy policy_ = TokenFactory::PolicyFor(Alg::kRS256);

  std::string Token(int64_t ttl = 600, std::string_view extra = "") {
    return factory_.Sign(Alg::kRS256, factory_.Auth0Payload(ttl, extra));
  }
  VerifyOutcome Run(Verifier& v, const std::string& t) {
    return v.Verify(t, policy_, clock_.UnixSeconds());
  }
};

TEST_F(TokenCacheTest, SecondVerificationIsAHit) {
  Verifier v(16);
  const std::string t = Token();
  VerifyOutcome first = Run(v, t);
  ASSERT_EQ(first.result, AuthResult::kOk);
  EXPECT_FALSE(first.cache_hit);
  VerifyOutcome second = Run(v, t);
  EXPECT_EQ(second.result, AuthResult::kOk);
  EXPECT_TRUE(second.cache_hit);
  EXPECT_EQ(second.sub, testing::kTestSubject);
  EXPECT_EQ(v.stats().cache_hits, 1u);
  EXPECT_EQ(v.stats().cache_misses, 1u);
}

TEST_F(TokenCacheTest, DisabledCacheNeverHits) {
  Verifier v(0);
  const std::string t = Token();
  EXPECT_FALSE(Run(v, t).cache_hit);
  EXPECT_FALSE(Run(v, t).cache_hit);
  EXPECT_EQ(v.stats().cache_hits, 0u);
}

TEST_F(TokenCacheTest, FailedTokensAreNotCached) {
  Verifier v(16);
  std::string bad = Token();
  bad[bad.size() - 4] = bad[bad.size() - 4] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Run(v, bad).result, AuthResult::kBadSignature);
  EXPECT_EQ(Run(v, bad).result, AuthResult::kBadSignature);
  EXPECT_EQ(v.stats().cache_hits, 0u);
}

TEST_F(TokenCacheTest, HitStillChecksExpiry) {
  Verifier v(16);
  const std::string t = Token(/*ttl=*/60);
  ASSERT_EQ(Run(v, t).result, AuthResult::kOk);
  clock_.AdvanceSeconds(59);
  VerifyOutcome hit = Run(v, t);
  EXPECT_EQ(hit.result, AuthResult::kOk);
  EXPECT_TRUE(hit.cache_hit);
  clock_.AdvanceSeconds(1);  // now == exp
  EXPECT_EQ(Run(v, t).result, AuthResult::kExpired);
  // The expired entry is dropped: the next attempt is a miss, still expired.
  const uint64_t misses = v.stats().cache_misses;
  VerifyOutcome again = Run(v, t);
  EXPECT_EQ(again.result, AuthResult::kExpired);
  EXPECT_FALSE(again.cache_hit);
  EXPECT_EQ(v.stats().cache_misses, misses + 1);
}

TEST_F(TokenCacheTest, HitAppliesThisPolicysLeewayIssuerAndAudience) {
  Verifier v(16);
  const std::string t = Token(/*ttl=*/60);
  ASSERT_EQ(Run(v, t).result, AuthResult::kOk);
  Policy other_aud = policy_;
  other_aud.audiences = {"https://other.example.com"};
  VerifyOutcome out = v.Verify(t, other_aud, clock_.UnixSeconds());
  EXPECT_EQ(out.result, AuthResult::kBadAudience);
  EXPECT_TRUE(out.cache_hit);
  Policy other_iss = policy_;
  other_iss.issuers = {"https://evil.example/"};
  EXPECT_EQ(v.Verify(t, other_iss, clock_.UnixSeconds()).result,
            AuthResult::kBadIssuer);
  // Past exp but within a 30 s leeway of a second route.
  clock_.AdvanceSeconds(70);
  Policy lenient = policy_;
  lenient.leeway_seconds = 30;
  EXPECT_EQ(v.Verify(t, lenient, clock_.UnixSeconds()).result, AuthResult::kOk);
}

TEST_F(TokenCacheTest, RulesAndClaimHeadersAreAppliedOnHits) {
  Verifier v(16);
  const std::string t =
      Token(600, R"("roles":["admin"],"email":"ada@example.com")");
  ASSERT_EQ(Run(v, t).result, AuthResult::kOk);
  Policy strict = policy_;
  strict.rules = {*ClaimRule::Parse("roles contains root")};
  VerifyOutcome denied = v.Verify(t, strict, clock_.UnixSeconds());
  EXPECT_TRUE(denied.cache_hit);
  EXPECT_EQ(denied.result, AuthResult::kInsufficientScope);
  Policy headers = policy_;
  headers.rules = {*ClaimRule::Parse("roles contains admin")};
  headers.claim_headers = {{*ClaimPath::Parse("email"), "X-Auth-Email"},
                           {*ClaimPath::Parse("roles"), "X-Roles"}};
  VerifyOutcome ok = v.Verify(t, headers, clock_.UnixSeconds());
  EXPECT_TRUE(ok.cache_hit);
  EXPECT_EQ(ok.result, AuthResult::kOk);
  EXPECT_THAT(ok.claim_values, ElementsAre("ada@example.com", "admin"));
  EXPECT_EQ(ok.sub, testing::kTestSubject);
}

TEST_F(TokenCacheTest, EvictsAtTheBound) {
  Verifier v(2);
  const std::string a = Token(600, "\"n\":1");
  const std::string b = Token(600, "\"n\":2");
  const std::string c = Token(600, "\"n\":3");
  ASSERT_EQ(Run(v, a).result, AuthResult::kOk);
  ASSERT_EQ(Run(v, b).result, AuthResult::kOk);
  EXPECT_TRUE(Run(v, b).cache_hit);  // b referenced, a not
  ASSERT_EQ(Run(v, c).result,
            AuthResult::kOk);  // evicts a (second chance to b)
  EXPECT_TRUE(Run(v, b).cache_hit);
  EXPECT_TRUE(Run(v, c).cache_hit);
  EXPECT_FALSE(Run(v, a).cache_hit);
}

TEST_F(TokenCacheTest, EntryOfAGoneKeyIsNotHonoured) {
  Verifier v(16);
  const std::string t = Token();
  ASSERT_EQ(Run(v, t).result, AuthResult::kOk);
  ASSERT_TRUE(Run(v, t).cache_hit);
  // Reload: same route, key replaced by a new key object of other material.
  Policy rotated = policy_;
  rotated.keys = {TokenFactory::KeyFor(Alg::kES256)};
  VerifyOutcome out = v.Verify(t, rotated, clock_.UnixSeconds());
  EXPECT_FALSE(out.cache_hit);
  EXPECT_EQ(out.result, AuthResult::kUnsupportedAlg);
  // Reload with the same material under a new Key object: verified afresh
  // (not a hit), then cached for the new key.
  Policy reloaded = policy_;
  reloaded.keys = {TokenFactory::KeyFor(Alg::kRS256)};
  out = v.Verify(t, reloaded, clock_.UnixSeconds());
  EXPECT_FALSE(out.cache_hit);
  EXPECT_EQ(out.result, AuthResult::kOk);
  EXPECT_TRUE(v.Verify(t, reloaded, clock_.UnixSeconds()).cache_hit);
  // The old key is gone from every policy: its entry is no longer reachable.
  EXPECT_FALSE(Run(v, t).cache_hit);
}

TEST_F(TokenCacheTest, ClearCacheDropsEverything) {
  Verifier v(16);
  const std::string t = Token();
  ASSERT_EQ(Run(v, t).result, AuthResult::kOk);
  v.ClearCache();
  EXPECT_FALSE(Run(v, t).cache_hit);
  EXPECT_TRUE(Run(v, t).cache_hit);
}

TEST_F(TokenCacheTest, HitDoesNotNeedTheSignatureAgain) {
  // A cache hit must be keyed by the whole token: the same header and
  // payload with a different (invalid) signature is not a hit.
  Verifier v(16);
  const std::string t = Token();
  ASSERT_EQ(Run(v, t).result, AuthResult::kOk);
  std::string forged = t;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  VerifyOutcome out = Run(v, forged);
  EXPECT_FALSE(out.cache_hit);
  EXPECT_EQ(out.result, AuthResult::kBadSignature);
}

// TokenCache on its own: CLOCK order, collisions, and the size bound.
TEST(TokenCacheUnitTest, ClockEvictionAndBound) {
  TokenCache cache(3);
  for (uint64_t h = 1; h <= 3; ++h) cache.Insert(h, "t" + std::to_string(h));
  EXPECT_EQ(cache.size(), 3u);
  ASSERT_NE(cache.Find(1, "t1"), nullptr);  // reference 1
  cache.Insert(4, "t4");                    // evicts 2 (1 had its bit set)
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_NE(cache.Find(1, "t1"), nullptr);
  EXPECT_EQ(cache.Find(2, "t2"), nullptr);
  EXPECT_NE(cache.Find(3, "t3"), nullptr);
  EXPECT_NE(cache.Find(4, "t4"), nullptr);
  for (uint64_t h = 10; h < 100; ++h) cache.Insert(h, "x" + std::to_string(h));
  EXPECT_EQ(cache.size(), 3u);
}

TEST(TokenCacheUnitTest, HashCollisionIsAMissAndReplaces) {
  TokenCache cache(4);
  cache.Insert(7, "first");
  EXPECT_EQ(cache.Find(7, "second"), nullptr);  // same hash, other token
  cache.Insert(7, "second");
  EXPECT_EQ(cache.Find(7, "first"), nullptr);
  EXPECT_NE(cache.Find(7, "second"), nullptr);
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace jwtgate::jwt
