// Mint: header and payload as SPEC §1 `jwtgate mint` describes them.
#include "jwtgate/jwt/mint.h"

#include <simdjson.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtgate/common/base64url.h"
#include "jwtgate/jwt/verifier.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_keys.h"
#include "tests/testing/token_factory.h"

namespace jwtgate::jwt {
namespace {

using ::jwtgate::testing::IsOk;
using ::jwtgate::testing::StatusIs;
using ::testing::HasSubstr;

std::string Part(const std::string& token, int i) {
  size_t start = 0;
  for (int k = 0; k < i; ++k) start = token.find('.', start) + 1;
  const std::string b64 = token.substr(start, token.find('.', start) - start);
  std::string out(Base64UrlDecodedMaxSize(b64.size()), '\0');
  const ptrdiff_t n =
      Base64UrlDecode(b64, reinterpret_cast<uint8_t*>(out.data()), out.size());
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

MintOptions Hs256Options() {
  MintOptions o;
  o.alg = Alg::kHS256;
  o.secret = testing::HmacSecretFor(Alg::kHS256);
  o.now_unix = 1'700'000'000;
  return o;
}

TEST(MintTest, HeaderAndPayloadAreExact) {
  MintOptions o = Hs256Options();
  o.kid = "k1";
  o.sub = "alice";
  o.iss = "https://issuer/";
  o.aud = {"api"};
  o.ttl_seconds = 3600;
  o.claims_json = {
      {"scope", "\"read:messages\""}, {"n", "42"}, {"roles", "[\"a\",\"b\"]"}};
  auto t = Mint(o);
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(Part(*t, 0), R"({"alg":"HS256","kid":"k1","typ":"JWT"})");
  EXPECT_EQ(Part(*t, 1),
            R"({"iss":"https://issuer/","sub":"alice","aud":"api",)"
            R"("iat":1700000000,"exp":1700003600,"scope":"read:messages",)"
            R"("n":42,"roles":["a","b"]})");
}

TEST(MintTest, SeveralAudiencesBecomeAnArray) {
  MintOptions o = Hs256Options();
  o.aud = {"a", "b"};
  auto t = Mint(o);
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(Part(*t, 1), R"({"aud":["a","b"]})");
}

TEST(MintTest, StringsAreJsonEscaped) {
  MintOptions o = Hs256Options();
  o.sub = "a\"b\\c\nd";
  auto t = Mint(o);
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(Part(*t, 1), R"({"sub":"a\"b\\c\u000ad"})");
}

TEST(MintTest, WithoutTtlThereIsNoExpOrIat) {
  auto t = Mint(Hs256Options());
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(Part(*t, 1), "{}");
}

TEST(MintTest, ZeroNowMeansTheCurrentTime) {
  MintOptions o = Hs256Options();
  o.now_unix = 0;
  o.ttl_seconds = 60;
  auto t = Mint(o);
  ASSERT_THAT(t, IsOk());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(Part(*t, 1)).get(doc), simdjson::SUCCESS);
  int64_t iat = 0;
  ASSERT_EQ(doc["iat"].get_int64().get(iat), simdjson::SUCCESS);
  EXPECT_GT(iat, 1'700'000'000);
}

TEST(MintTest, RefusesBadInput) {
  MintOptions o = Hs256Options();
  o.claims_json = {{"x", "not json"}};
  EXPECT_THAT(Mint(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("not valid JSON")));
  o = Hs256Options();
  o.sub = "a";
  o.claims_json = {{"sub", "\"b\""}};
  EXPECT_THAT(Mint(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("set twice")));
  o = Hs256Options();
  o.secret = "short";
  EXPECT_THAT(Mint(o), StatusIs(absl::StatusCode::kInvalidArgument));
  o = Hs256Options();
  o.alg = Alg::kES256;
  EXPECT_THAT(Mint(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("private key")));
  o.private_key_pem = testing::Rsa2048().private_pem;  // wrong key type
  EXPECT_THAT(Mint(o), StatusIs(absl::StatusCode::kInvalidArgument));
  o.private_key_pem = "garbage";
  EXPECT_THAT(Mint(o), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MintTest, MintedTokensVerifyForEveryAlg) {
  for (int i = 0; i < kAlgCount; ++i) {
    const Alg alg = static_cast<Alg>(i);
    MintOptions o;
    o.alg = alg;
    o.secret = testing::HmacSecretFor(alg);
    if (!IsHmac(alg)) o.private_key_pem = testing::KeyPairFor(alg).private_pem;
    o.kid = "kid-" + std::string(AlgName(alg));
    o.iss = std::string(testing::kTestIssuer);
    o.aud = {std::string(testing::kTestAudience)};
    o.now_unix = 1'700'000'000;
    o.ttl_seconds = 60;
    auto t = Mint(o);
    ASSERT_THAT(t, IsOk()) << AlgName(alg);
    Verifier v(0);
    const Policy p = testing::TokenFactory::PolicyFor(alg, o.kid);
    EXPECT_EQ(v.Verify(*t, p, o.now_unix).result, AuthResult::kOk)
        << AlgName(alg);
  }
}

}  // namespace
}  // namespace jwtgate::jwt
