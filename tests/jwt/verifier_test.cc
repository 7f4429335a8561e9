// Verifier: structure (segments, base64url, size, header), key selection by
// kid, time claims at the leeway edges (injected clock), iss, aud, sub.
#include "jwtgate/jwt/verifier.h"

#include <string>

#include "gtest/gtest.h"
#include "jwtgate/common/base64url.h"
#include "jwtgate/jwt/mint.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_keys.h"
#include "tests/testing/token_factory.h"

namespace jwtgate::jwt {
namespace {

using ::jwtgate::testing::FakeClock;
using ::jwtgate::testing::TokenFactory;

class VerifierTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  TokenFactory factory_{clock_.UnixSeconds()};
  Verifier verifier_{0};  // no cache: every call takes the full path
  Policy policy_ = TokenFactory::PolicyFor(Alg::kHS256);

  AuthResult Check(const std::string& token) {
    return verifier_.Verify(token, policy_, clock_.UnixSeconds()).result;
  }
  std::string Hs256(const std::string& payload, std::string_view kid = "") {
    return factory_.Sign(Alg::kHS256, payload, kid);
  }
  std::string RawHs256(std::string_view header, std::string_view payload) {
    return factory_.SignWithHeader(Alg::kHS256, header, payload);
  }
  // A payload with exp = now + 60 and the given extra members.
  std::string Payload(std::string_view members) {
    std::string p = "{\"exp\":" + std::to_string(clock_.UnixSeconds() + 60);
    if (!members.empty()) p += "," + std::string(members);
    return p + "}";
  }
};

TEST_F(VerifierTest, AcceptsAValidToken) {
  const VerifyOutcome out = verifier_.Verify(Hs256(factory_.Auth0Payload()),
                                             policy_, clock_.UnixSeconds());
  EXPECT_EQ(out.result, AuthResult::kOk);
  EXPECT_EQ(out.sub, testing::kTestSubject);
  EXPECT_FALSE(out.cache_hit);
}

TEST_F(VerifierTest, SegmentsMustBeExactlyThree) {
  const std::string t = Hs256(factory_.Auth0Payload());
  const size_t d1 = t.find('.'), d2 = t.rfind('.');
  EXPECT_EQ(Check(t.substr(0, d2)), AuthResult::kMalformed);  // two
  EXPECT_EQ(Check(t.substr(0, d1)), AuthResult::kMalformed);  // one
  EXPECT_EQ(Check(t + ".x"), AuthResult::kMalformed);         // four
  EXPECT_EQ(Check(t + "."), AuthResult::kMalformed);          // trailing
  EXPECT_EQ(Check("." + t.substr(d1 + 1)), AuthResult::kMalformed);
  EXPECT_EQ(Check(t.substr(0, d1 + 1) + t.substr(d2)),  // no payload
            AuthResult::kMalformed);
  EXPECT_EQ(Check(""), AuthResult::kMalformed);
  EXPECT_EQ(Check(".."), AuthResult::kMalformed);
}

TEST_F(VerifierTest, SegmentsMustBeStrictBase64Url) {
  const std::string t = Hs256(factory_.Auth0Payload());
  const size_t d1 = t.find('.'), d2 = t.rfind('.');
  const std::string h = t.substr(0, d1), p = t.substr(d1 + 1, d2 - d1 - 1),
                    s = t.substr(d2 + 1);
  EXPECT_EQ(Check(h + "=." + p + "." + s), AuthResult::kMalformed);
  EXPECT_EQ(Check(h + "." + p + "." + s + "="), AuthResult::kMalformed);
  std::string std_alphabet = s;
  for (char& c : std_alphabet) c = c == '-' ? '+' : c == '_' ? '/' : c;
  if (std_alphabet != s) {
    EXPECT_EQ(Check(h + "." + p + "." + std_alphabet), AuthResult::kMalformed);
  }
  EXPECT_EQ(Check(h + "." + p + " ." + s), AuthResult::kMalformed);
  EXPECT_EQ(Check(h + "." + p + "." + s.substr(0, s.size() - 3) + "!!!"),
            AuthResult::kMalformed);
  // HS256's 32-byte MAC is 43 characters; the last carries 2 spare bits.
  ASSERT_EQ(s.size(), 43u);
  std::string noncanon = s;
  noncanon.back() = noncanon.back() == 'A' ? 'B' : 'A';
  if (std::string("AEIMQUYcgkosw048").find(s.back()) != std::string::npos) {
    noncanon.back() = s.back() + 1;  // sets a spare bit
    EXPECT_EQ(Check(h + "." + p + "." + noncanon), AuthResult::kMalformed);
  }
}

TEST_F(VerifierTest, TokenOverEightKibIsTooLarge) {
  policy_.issuers.clear();
  policy_.audiences.clear();
  const std::string big(kMaxTokenBytes + 1, 'a');
  EXPECT_EQ(Check(big), AuthResult::kTokenTooLarge);
  // A real, valid token just under the limit still verifies.
  std::string filler(5500, 'x');
  const std::string t =
      Hs256(Payload("\"pad\":\"" + filler + "\",\"sub\":\"s\""));
  ASSERT_LE(t.size(), kMaxTokenBytes);
  EXPECT_EQ(Check(t), AuthResult::kOk);
  const std::string over =
      Hs256(Payload("\"pad\":\"" + std::string(6200, 'x') + "\""));
  ASSERT_GT(over.size(), kMaxTokenBytes);
  EXPECT_EQ(Check(over), AuthResult::kTokenTooLarge);
}

TEST_F(VerifierTest, HeaderMustBeAJsonObjectWithStringAlg) {
  const std::string p = factory_.Auth0Payload();
  EXPECT_EQ(Check(RawHs256("not json", p)), AuthResult::kMalformed);
  EXPECT_EQ(Check(RawHs256("[\"HS256\"]", p)), AuthResult::kMalformed);
  EXPECT_EQ(Check(RawHs256("{}", p)), AuthResult::kMalformed);
  EXPECT_EQ(Check(RawHs256(R"({"alg":256})", p)), AuthResult::kMalformed);
  EXPECT_EQ(Check(RawHs256(R"({"alg":"HS256"} x)", p)), AuthResult::kMalformed);
  EXPECT_EQ(Check(RawHs256(R"({"alg":"HS256","alg":"HS256"})", p)),
            AuthResult::kMalformed);
  EXPECT_EQ(Check(RawHs256(R"({"alg":"HS256","kid":7})", p)),
            AuthResult::kMalformed);
  EXPECT_EQ(Check(RawHs256(R"({"alg":"HS256","typ":"JWT"})", p)),
            AuthResult::kOk);
  EXPECT_EQ(Check(RawHs256(R"({"alg":"HS256","typ":"at+jwt"})", p)),
            AuthResult::kOk);
}

TEST_F(VerifierTest, CritIsNeverUnderstood) {
  const std::string p = factory_.Auth0Payload();
  EXPECT_EQ(Check(RawHs256(R"({"alg":"HS256","crit":["b64"],"b64":false})", p)),
            AuthResult::kUnknownCrit);
  EXPECT_EQ(Check(RawHs256(R"({"alg":"HS256","crit":["exp"]})", p)),
            AuthResult::kUnknownCrit);
  EXPECT_EQ(Check(RawHs256(R"({"alg":"HS256","crit":[]})", p)),
            AuthResult::kMalformed);
  EXPECT_EQ(Check(RawHs256(R"({"alg":"HS256","crit":"b64"})", p)),
            AuthResult::kMalformed);
}

TEST_F(VerifierTest, KeyReferencesInTheHeaderAreNeverFollowed) {
  // jku/x5u/jwk would point at attacker keys; they are ignored, so the
  // token is still checked against the configured key only.
  const std::string header =
      R"({"alg":"HS256","jku":"https://evil.example/jwks","x5u":"https://evil.example/c","jwk":{"kty":"oct","k":"AAAA"}})";
  EXPECT_EQ(Check(RawHs256(header, factory_.Auth0Payload())), AuthResult::kOk);
  auto forged = SignRaw(Alg::kHS256, header, factory_.Auth0Payload(),
                        std::string(32, '\0'));
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(Check(*forged), AuthResult::kBadSignature);
}

TEST_F(VerifierTest, KidSelectsTheKey) {
  auto a = MakeHmacKey("a", Alg::kHS256, testing::HmacSecretFor(Alg::kHS256),
                       "kid-a");
  auto b = MakeHmacKey("b", Alg::kHS256, std::string(32, 'b'), "kid-b");
  ASSERT_TRUE(a.ok() && b.ok());
  policy_.keys = {*b, *a};
  const std::string p = factory_.Auth0Payload();
  EXPECT_EQ(Check(Hs256(p, "kid-a")), AuthResult::kOk);
  // Signed with a's secret but claiming b's kid: checked against b only.
  EXPECT_EQ(Check(Hs256(p, "kid-b")), AuthResult::kBadSignature);
  EXPECT_EQ(Check(Hs256(p, "kid-c")), AuthResult::kNoKey);
  // No kid: only kid-less keys are candidates, and there are none.
  EXPECT_EQ(Check(Hs256(p)), AuthResult::kNoKey);
  // A kid-less key serves tokens without kid, not tokens with one.
  policy_.keys = {TokenFactory::KeyFor(Alg::kHS256)};
  EXPECT_EQ(Check(Hs256(p)), AuthResult::kOk);
  EXPECT_EQ(Check(Hs256(p, "kid-a")), AuthResult::kNoKey);
  // No keys at all.
  policy_.keys.clear();
  EXPECT_EQ(Check(Hs256(p)), AuthResult::kNoKey);
}

TEST_F(VerifierTest, SeveralCandidateKeysAreTriedInTurn) {
  // Key rotation: two kid-less secrets; tokens of either verify.
  auto old_key = MakeHmacKey("old", Alg::kHS256, std::string(32, 'o'));
  ASSERT_TRUE(old_key.ok());
  policy_.keys = {*old_key, TokenFactory::KeyFor(Alg::kHS256)};
  EXPECT_EQ(Check(Hs256(factory_.Auth0Payload())), AuthResult::kOk);
  auto by_old = SignRaw(Alg::kHS256, R"({"alg":"HS256"})",
                        factory_.Auth0Payload(), std::string(32, 'o'));
  ASSERT_TRUE(by_old.ok());
  EXPECT_EQ(Check(*by_old), AuthResult::kOk);
}

TEST_F(VerifierTest, PayloadMustBeAJsonObject) {
  EXPECT_EQ(Check(Hs256("[1,2]")), AuthResult::kMalformed);
  EXPECT_EQ(Check(Hs256("\"exp\"")), AuthResult::kMalformed);
  EXPECT_EQ(Check(Hs256("{\"exp\":1")), AuthResult::kMalformed);
  EXPECT_EQ(Check(Hs256(Payload("") + "{}")), AuthResult::kMalformed);
  // A duplicated registered claim is ambiguous: refused.
  EXPECT_EQ(Check(Hs256(Payload("\"exp\":1"))), AuthResult::kMalformed);
  EXPECT_EQ(Check(Hs256(Payload("\"sub\":\"a\",\"sub\":\"b\""))),
            AuthResult::kMalformed);
}

TEST_F(VerifierTest, ExpIsRequiredAndMustBeANumber) {
  policy_.issuers.clear();
  policy_.audiences.clear();
  EXPECT_EQ(Check(Hs256("{\"sub\":\"a\"}")), AuthResult::kMissingExp);
  const std::string later = std::to_string(clock_.UnixSeconds() + 60);
  EXPECT_EQ(Check(Hs256("{\"exp\":\"" + later + "\"}")),
            AuthResult::kBadTimeClaim);
  EXPECT_EQ(Check(Hs256("{\"exp\":null}")), AuthResult::kBadTimeClaim);
  EXPECT_EQ(Check(Hs256("{\"exp\":" + later + ",\"nbf\":\"0\"}")),
            AuthResult::kBadTimeClaim);
  EXPECT_EQ(Check(Hs256("{\"exp\":" + later + ",\"iat\":true}")),
            AuthResult::kBadTimeClaim);
  // Fractional NumericDate is a number.
  EXPECT_EQ(Check(Hs256("{\"exp\":" + later + ".5}")), AuthResult::kOk);
}

// exp/nbf/iat around a 30 s leeway: at the edge, just inside, just outside.
class TimeClaimTest : public VerifierTest {
 protected:
  void SetUp() override {
    policy_.leeway_seconds = 30;
    policy_.issuers.clear();
    policy_.audiences.clear();
  }
  static constexpr int64_t kT = 1'800'000'000;
  AuthResult At(int64_t now, const std::string& payload) {
    return verifier_.Verify(Hs256(payload), policy_, now).result;
  }
};

TEST_F(TimeClaimTest, ExpWithLeeway) {
  const std::string p = "{\"exp\":" + std::to_string(kT) + "}";
  EXPECT_EQ(At(kT - 1, p), AuthResult::kOk);
  EXPECT_EQ(At(kT + 29, p), AuthResult::kOk);       // just inside
  EXPECT_EQ(At(kT + 30, p), AuthResult::kExpired);  // at: exp is exclusive
  EXPECT_EQ(At(kT + 31, p), AuthResult::kExpired);  // just outside
  policy_.leeway_seconds = 0;
  EXPECT_EQ(At(kT - 1, p), AuthResult::kOk);
  EXPECT_EQ(At(kT, p), AuthResult::kExpired);
}

TEST_F(TimeClaimTest, NbfWithLeeway) {
  const std::string p = "{\"exp\":" + std::to_string(kT + 3600) +
                        ",\"nbf\":" + std::to_string(kT) + "}";
  EXPECT_EQ(At(kT, p), AuthResult::kOk);
  EXPECT_EQ(At(kT - 29, p), AuthResult::kOk);           // just inside
  EXPECT_EQ(At(kT - 30, p), AuthResult::kOk);           // at
  EXPECT_EQ(At(kT - 31, p), AuthResult::kNotYetValid);  // just outside
}

TEST_F(TimeClaimTest, IatInTheFutureWithLeeway) {
  const std::string p = "{\"exp\":" + std::to_string(kT + 3600) +
                        ",\"iat\":" + std::to_string(kT) + "}";
  EXPECT_EQ(At(kT, p), AuthResult::kOk);
  EXPECT_EQ(At(kT - 29, p), AuthResult::kOk);
  EXPECT_EQ(At(kT - 30, p), AuthResult::kOk);              // at
  EXPECT_EQ(At(kT - 31, p), AuthResult::kIssuedInFuture);  // just outside
  // An old iat is fine.
  EXPECT_EQ(At(kT + 3000, p), AuthResult::kOk);
}

TEST_F(VerifierTest, IssuerMustBeOneOfTheList) {
  policy_.audiences.clear();
  policy_.issuers = {"https://a.example/", "https://b.example/"};
  EXPECT_EQ(Check(Hs256(Payload("\"iss\":\"https://b.example/\""))),
            AuthResult::kOk);
  EXPECT_EQ(Check(Hs256(Payload("\"iss\":\"https://c.example/\""))),
            AuthResult::kBadIssuer);
  EXPECT_EQ(Check(Hs256(Payload("\"iss\":\"https://b.example\""))),
            AuthResult::kBadIssuer);
  EXPECT_EQ(Check(Hs256(Payload(""))), AuthResult::kBadIssuer);
  EXPECT_EQ(Check(Hs256(Payload("\"iss\":[\"https://b.example/\"]"))),
            AuthResult::kBadIssuer);
  // Escaped JSON compares by its unescaped value.
  EXPECT_EQ(Check(Hs256(Payload(R"("iss":"https:\/\/a.example\/")"))),
            AuthResult::kOk);
  policy_.issuers.clear();  // not checked
  EXPECT_EQ(Check(Hs256(Payload("\"iss\":42"))), AuthResult::kOk);
}

TEST_F(VerifierTest, AudienceAsStringOrArray) {
  policy_.issuers.clear();
  policy_.audiences = {"api-1", "api-2"};
  EXPECT_EQ(Check(Hs256(Payload("\"aud\":\"api-2\""))), AuthResult::kOk);
  EXPECT_EQ(Check(Hs256(Payload("\"aud\":[\"other\",\"api-1\"]"))),
            AuthResult::kOk);
  EXPECT_EQ(Check(Hs256(Payload("\"aud\":\"api-3\""))),
            AuthResult::kBadAudience);
  EXPECT_EQ(Check(Hs256(Payload("\"aud\":[\"other\",\"api\"]"))),
            AuthResult::kBadAudience);
  EXPECT_EQ(Check(Hs256(Payload("\"aud\":[]"))), AuthResult::kBadAudience);
  EXPECT_EQ(Check(Hs256(Payload("\"aud\":[1,{\"api-1\":1}]"))),
            AuthResult::kBadAudience);
  EXPECT_EQ(Check(Hs256(Payload(""))), AuthResult::kBadAudience);
}

TEST_F(VerifierTest, SubIsExtractedAndMustBeHeaderSafe) {
  policy_.issuers.clear();
  policy_.audiences.clear();
  VerifyOutcome out = verifier_.Verify(Hs256(Payload(R"("sub":"u\u00e9-1")")),
                                       policy_, clock_.UnixSeconds());
  EXPECT_EQ(out.result, AuthResult::kOk);
  EXPECT_EQ(out.sub, "u\xc3\xa9-1");
  out = verifier_.Verify(Hs256(Payload("\"sub\":42")), policy_,
                         clock_.UnixSeconds());
  EXPECT_EQ(out.result, AuthResult::kOk);
  EXPECT_EQ(out.sub, "");
  EXPECT_EQ(Check(Hs256(Payload(R"("sub":"a\nX-Admin: 1")"))),
            AuthResult::kBadClaimValue);
  EXPECT_EQ(Check(Hs256(Payload(R"("sub":"a\u0000")"))),
            AuthResult::kBadClaimValue);
  EXPECT_EQ(Check(Hs256(Payload(R"("sub":"a\u007f")"))),
            AuthResult::kBadClaimValue);
}

TEST_F(VerifierTest, ChecksRunCheapFirst) {
  // Bad signature wins over expiry: claims are not trusted before the
  // signature is.
  const std::string expired =
      Hs256("{\"exp\":" + std::to_string(clock_.UnixSeconds() - 100) + "}");
  std::string tampered = expired;
  tampered[tampered.size() - 5] =
      tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Check(tampered), AuthResult::kBadSignature);
  EXPECT_EQ(Check(expired), AuthResult::kExpired);
}

}  // namespace
}  // namespace jwtgate::jwt
