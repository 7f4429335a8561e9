// ParseJwks: key types, kid, alg, use, the algs an alg-less JWK supports,
// and which entries are skipped or refused.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtgate/jwt/key.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_keys.h"

namespace jwtgate::jwt {
namespace {

using ::jwtgate::testing::IsOk;
using ::jwtgate::testing::PublicJwk;
using ::jwtgate::testing::StatusIs;
using ::testing::HasSubstr;

std::string Jwks(std::initializer_list<std::string> keys) {
  std::string out = "{\"keys\":[";
  bool first = true;
  for (const std::string& k : keys) {
    if (!first) out += ",";
    out += k;
    first = false;
  }
  return out + "]}";
}

AlgMask Mask(std::initializer_list<Alg> algs) {
  AlgMask m = 0;
  for (Alg a : algs) m |= AlgBit(a);
  return m;
}

TEST(JwksTest, ParsesEveryKeyTypeWithKid) {
  auto keys = ParseJwks("idp", Jwks({PublicJwk(testing::Rsa2048(), "rsa"),
                                     PublicJwk(testing::EcP256(), "p256"),
                                     PublicJwk(testing::EcP384(), "p384"),
                                     PublicJwk(testing::EcP521(), "p521"),
                                     PublicJwk(testing::Ed25519(), "ed")}));
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->size(), 5u);
  for (const KeyPtr& k : *keys) EXPECT_EQ(k->name(), "idp");
  EXPECT_EQ((*keys)[0]->kid(), "rsa");
  // Without "alg": RSA → RS* and PS*; EC → ES* of its curve; OKP → EdDSA.
  EXPECT_EQ((*keys)[0]->algs(), Mask({Alg::kRS256, Alg::kRS384, Alg::kRS512,
                                      Alg::kPS256, Alg::kPS384, Alg::kPS512}));
  EXPECT_EQ((*keys)[1]->algs(), Mask({Alg::kES256}));
  EXPECT_EQ((*keys)[2]->algs(), Mask({Alg::kES384}));
  EXPECT_EQ((*keys)[3]->algs(), Mask({Alg::kES512}));
  EXPECT_EQ((*keys)[4]->algs(), Mask({Alg::kEdDSA}));
}

TEST(JwksTest, AlgNarrowsTheKey) {
  auto keys =
      ParseJwks("idp", Jwks({PublicJwk(testing::Rsa2048(), "a", "PS384")}));
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ((*keys)[0]->algs(), Mask({Alg::kPS384}));
}

TEST(JwksTest, AlgInconsistentWithKeyTypeIsAnError) {
  EXPECT_THAT(
      ParseJwks("idp", Jwks({PublicJwk(testing::Rsa2048(), "a", "ES256")})),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kid \"a\"")));
  EXPECT_THAT(
      ParseJwks("idp", Jwks({PublicJwk(testing::EcP384(), "b", "ES256")})),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(JwksTest, SkipsEncryptionKeysAndUnknownTypes) {
  const std::string enc = "{" + testing::Rsa2048().jwk_members +
                          ",\"kid\":\"enc\",\"use\":\"enc\"}";
  const std::string oct =
      R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qz","kid":"o"})";
  const std::string x25519 =
      R"({"kty":"OKP","crv":"X25519","x":"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08"})";
  const std::string k256 =
      R"({"kty":"EC","crv":"secp256k1","x":"AAAA","y":"AAAA"})";
  const std::string oaep = "{" + testing::Rsa2048().jwk_members +
                           ",\"kid\":\"o2\",\"alg\":\"RSA-OAEP\"}";
  const std::string hs = "{" + testing::Rsa2048().jwk_members +
                         ",\"kid\":\"h\",\"alg\":\"HS256\"}";
  const std::string sig =
      "{" + testing::EcP256().jwk_members + ",\"kid\":\"sig\",\"use\":\"sig\"}";
  auto keys = ParseJwks("idp", Jwks({enc, oct, x25519, k256, oaep, hs, sig}));
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0]->kid(), "sig");
}

TEST(JwksTest, NoUsableKeyIsAnError) {
  EXPECT_THAT(ParseJwks("idp", Jwks({})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no usable signing key")));
}

TEST(JwksTest, MalformedDocumentsAreErrors) {
  EXPECT_THAT(ParseJwks("idp", "not json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not valid JSON")));
  EXPECT_THAT(
      ParseJwks("idp", "{\"keys\":{}}"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"keys\"")));
  EXPECT_THAT(ParseJwks("idp", "{\"keys\":[1]}"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseJwks("idp", R"({"keys":[{"n":"AQAB","e":"AQAB"}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kty")));
}

TEST(JwksTest, BadKeyMaterialIsAnError) {
  // RSA modulus with a non-base64url character.
  EXPECT_THAT(
      ParseJwks("idp", R"({"keys":[{"kty":"RSA","n":"ab+c","e":"AQAB"}]})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"n\"")));
  // RSA below 2048 bits.
  EXPECT_THAT(
      ParseJwks("idp", R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]})"),
      StatusIs(absl::StatusCode::kInvalidArgument));
  // EC coordinates of the wrong length (P-256 needs 32 bytes each).
  EXPECT_THAT(
      ParseJwks(
          "idp",
          R"({"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("32 bytes")));
  // A point that is not on the curve: the real x with y changed.
  std::string jwk = testing::EcP256().jwk_members;
  const size_t y = jwk.find("\"y\":\"") + 5;
  jwk[y] = jwk[y] == 'A' ? 'B' : 'A';
  EXPECT_THAT(ParseJwks("idp", "{\"keys\":[{" + jwk + "}]}"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Ed25519 x of the wrong size.
  EXPECT_THAT(
      ParseJwks("idp",
                R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA"}]})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("32 bytes")));
}

}  // namespace
}  // namespace jwtgate::jwt
