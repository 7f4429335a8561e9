// Signatures: Mint → Verify round trips for every alg, and the ways a
// signature or alg must be refused (confusion, none, key type, ES forms).
#include <string>

#include "gtest/gtest.h"
#include "jwt/ecdsa_der.h"
#include "jwtgate/common/base64url.h"
#include "jwtgate/jwt/key.h"
#include "jwtgate/jwt/mint.h"
#include "jwtgate/jwt/verifier.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_keys.h"
#include "tests/testing/token_factory.h"

namespace jwtgate::jwt {
namespace {

using ::jwtgate::testing::FakeClock;
using ::jwtgate::testing::IsOk;
using ::jwtgate::testing::KeyPairFor;
using ::jwtgate::testing::TokenFactory;

constexpr int64_t kNow = FakeClock::kDefaultUnixSeconds;

std::string Segment(const std::string& token, int i) {
  size_t start = 0;
  for (int k = 0; k < i; ++k) start = token.find('.', start) + 1;
  const size_t end = token.find('.', start);
  return token.substr(
      start, end == std::string::npos ? std::string::npos : end - start);
}

std::string DecodeSegment(const std::string& b64) {
  std::string out(Base64UrlDecodedMaxSize(b64.size()), '\0');
  const ptrdiff_t n =
      Base64UrlDecode(b64, reinterpret_cast<uint8_t*>(out.data()), out.size());
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::string WithSignature(const std::string& token, std::string_view sig) {
  return token.substr(0, token.rfind('.') + 1) + Base64UrlEncode(sig);
}

class RoundTripTest : public ::testing::TestWithParam<Alg> {};

TEST_P(RoundTripTest, MintedTokenVerifies) {
  const Alg alg = GetParam();
  MintOptions o;
  o.alg = alg;
  o.secret = testing::HmacSecretFor(alg);
  if (!IsHmac(alg)) o.private_key_pem = KeyPairFor(alg).private_pem;
  o.sub = "alice";
  o.iss = std::string(testing::kTestIssuer);
  o.aud = {std::string(testing::kTestAudience)};
  o.now_unix = kNow;
  o.ttl_seconds = 600;
  auto token = Mint(o);
  ASSERT_THAT(token, IsOk());

  Verifier verifier(0);
  const Policy policy = TokenFactory::PolicyFor(alg);
  VerifyOutcome out = verifier.Verify(*token, policy, kNow);
  EXPECT_EQ(out.result, AuthResult::kOk) << AuthResultName(out.result);
  EXPECT_EQ(out.sub, "alice");

  // Any changed signature byte fails.
  std::string sig = DecodeSegment(Segment(*token, 2));
  ASSERT_FALSE(sig.empty());
  sig[sig.size() / 3] ^= 0x40;
  EXPECT_EQ(verifier.Verify(WithSignature(*token, sig), policy, kNow).result,
            AuthResult::kBadSignature);

  // A key of the same kind but other material fails.
  Policy other = policy;
  if (IsHmac(alg)) {
    auto k = MakeHmacKey("other", alg, std::string(64, 'x'));
    ASSERT_THAT(k, IsOk());
    other.keys = {*k};
  } else {
    auto k = MakePemPublicKey("other", alg,
                              testing::OtherKeyPairFor(alg).public_pem);
    ASSERT_THAT(k, IsOk());
    other.keys = {*k};
  }
  EXPECT_EQ(verifier.Verify(*token, other, kNow).result,
            AuthResult::kBadSignature);
}

INSTANTIATE_TEST_SUITE_P(
    AllAlgs, RoundTripTest,
    ::testing::Values(Alg::kHS256, Alg::kHS384, Alg::kHS512, Alg::kRS256,
                      Alg::kRS384, Alg::kRS512, Alg::kPS256, Alg::kPS384,
                      Alg::kPS512, Alg::kES256, Alg::kES384, Alg::kES512,
                      Alg::kEdDSA),
    [](const ::testing::TestParamInfo<Alg>& info) {
      return std::string(AlgName(info.param));
    });

}  // namespace
}  // namespace jwtgate::jwt

namespace jwtgate::jwt {
namespace {

using ::jwtgate::testing::FakeClock;
using ::jwtgate::testing::IsOk;
using ::jwtgate::testing::TokenFactory;

class SignatureRefusalTest : public ::testing::Test {
 protected:
  TokenFactory factory_{FakeClock::kDefaultUnixSeconds};
  Verifier verifier_{0};
  const int64_t now_ = FakeClock::kDefaultUnixSeconds;

  AuthResult Check(const std::string& token, const Policy& policy) {
    return verifier_.Verify(token, policy, now_).result;
  }
};

// The classic algorithm-confusion attack: an HS256 token whose HMAC secret
// is the RSA public key's PEM text must not pass against that RSA key.
TEST_F(SignatureRefusalTest, HmacSignedWithPublicKeyPemIsRejected) {
  const std::string& pem = testing::Rsa2048().public_pem;
  auto forged = SignRaw(Alg::kHS256, R"({"alg":"HS256","typ":"JWT"})",
                        factory_.Auth0Payload(), pem);
  ASSERT_THAT(forged, IsOk());
  const Policy rsa = TokenFactory::PolicyFor(Alg::kRS256);
  EXPECT_EQ(Check(*forged, rsa), AuthResult::kUnsupportedAlg);
  // Even a key entry naming every RSA alg never accepts HS*.
  auto jwks = ParseJwks(
      "idp", "{\"keys\":[" + testing::PublicJwk(testing::Rsa2048()) + "]}");
  ASSERT_THAT(jwks, IsOk());
  Policy any_rsa = rsa;
  any_rsa.keys = *jwks;
  EXPECT_EQ(Check(*forged, any_rsa), AuthResult::kUnsupportedAlg);
  // And the RSA key object itself refuses HS256 when asked directly.
  EXPECT_FALSE(any_rsa.keys[0]->Supports(Alg::kHS256));
}

TEST_F(SignatureRefusalTest, AlgNoneInAnySpellingIsRejected) {
  const Policy policy = TokenFactory::PolicyFor(Alg::kHS256);
  const std::string payload = Base64UrlEncode(factory_.Auth0Payload());
  for (const char* none : {"none", "None", "NONE", "nOnE"}) {
    const std::string header =
        Base64UrlEncode(std::string("{\"alg\":\"") + none + "\"}");
    // Unsecured JWS (empty signature), and with a stray signature.
    EXPECT_EQ(Check(header + "." + payload + ".", policy),
              AuthResult::kUnsupportedAlg)
        << none;
    EXPECT_EQ(Check(header + "." + payload + ".c2ln", policy),
              AuthResult::kUnsupportedAlg)
        << none;
  }
}

TEST_F(SignatureRefusalTest, UnknownAlgIsRejected) {
  const Policy policy = TokenFactory::PolicyFor(Alg::kHS256);
  for (const char* alg : {"HS1", "hs256", "RS256 ", "ES256K", "Ed25519", ""}) {
    auto t =
        SignRaw(Alg::kHS256, std::string("{\"alg\":\"") + alg + "\"}",
                factory_.Auth0Payload(), testing::HmacSecretFor(Alg::kHS256));
    ASSERT_THAT(t, IsOk());
    EXPECT_EQ(Check(*t, policy), AuthResult::kUnsupportedAlg) << alg;
  }
}

TEST_F(SignatureRefusalTest, TokenAlgMustMatchTheKey) {
  // Wrong key type: an ES256 token against an RS256 key, and vice versa.
  const std::string es = factory_.Sign(Alg::kES256, factory_.Auth0Payload());
  EXPECT_EQ(Check(es, TokenFactory::PolicyFor(Alg::kRS256)),
            AuthResult::kUnsupportedAlg);
  const std::string rs = factory_.Sign(Alg::kRS256, factory_.Auth0Payload());
  EXPECT_EQ(Check(rs, TokenFactory::PolicyFor(Alg::kES256)),
            AuthResult::kUnsupportedAlg);
  // Same family, other hash: a key configured for RS256 refuses RS512.
  const std::string rs512 = factory_.Sign(Alg::kRS512, factory_.Auth0Payload());
  EXPECT_EQ(Check(rs512, TokenFactory::PolicyFor(Alg::kRS256)),
            AuthResult::kUnsupportedAlg);
  // PS* is not RS*: a PS256 signature claimed as RS256 fails.
  const std::string ps = factory_.Sign(Alg::kPS256, factory_.Auth0Payload());
  const std::string relabelled =
      Base64UrlEncode(R"({"alg":"RS256","typ":"JWT"})") +
      ps.substr(ps.find('.'));
  EXPECT_EQ(Check(relabelled, TokenFactory::PolicyFor(Alg::kRS256)),
            AuthResult::kBadSignature);
  // HS384 token against an HS256 key with the same secret prefix.
  const std::string hs384 = factory_.Sign(Alg::kHS384, factory_.Auth0Payload());
  EXPECT_EQ(Check(hs384, TokenFactory::PolicyFor(Alg::kHS256)),
            AuthResult::kUnsupportedAlg);
}

TEST_F(SignatureRefusalTest, EcdsaSignatureMustBeRawOfExactLength) {
  for (Alg alg : {Alg::kES256, Alg::kES384, Alg::kES512}) {
    const std::string token = factory_.Sign(alg, factory_.Auth0Payload());
    const Policy policy = TokenFactory::PolicyFor(alg);
    ASSERT_EQ(Check(token, policy), AuthResult::kOk);
    const std::string raw = DecodeSegment(Segment(token, 2));
    ASSERT_EQ(raw.size(), 2 * (alg == Alg::kES256   ? 32u
                               : alg == Alg::kES384 ? 48u
                                                    : 66u));
    // The same signature in DER form (what OpenSSL itself produces).
    uint8_t der[kMaxEcdsaDerSize];
    const size_t der_len = EcdsaRawToDer(raw, der);
    ASSERT_GT(der_len, 0u);
    EXPECT_EQ(
        Check(WithSignature(token,
                            std::string(reinterpret_cast<char*>(der), der_len)),
              policy),
        AuthResult::kBadSignature)
        << AlgName(alg);
    // One byte short, one byte long.
    EXPECT_EQ(Check(WithSignature(token, raw.substr(1)), policy),
              AuthResult::kBadSignature);
    EXPECT_EQ(Check(WithSignature(token, raw + '\0'), policy),
              AuthResult::kBadSignature);
    // Zero-padded to a larger curve's size.
    EXPECT_EQ(Check(WithSignature(token, std::string(2, '\0') + raw), policy),
              AuthResult::kBadSignature);
  }
}

TEST_F(SignatureRefusalTest, EmptyOrTruncatedSignatureFails) {
  for (Alg alg : {Alg::kHS256, Alg::kRS256, Alg::kEdDSA}) {
    const std::string token = factory_.Sign(alg, factory_.Auth0Payload());
    const Policy policy = TokenFactory::PolicyFor(alg);
    EXPECT_EQ(Check(token.substr(0, token.rfind('.') + 1), policy),
              AuthResult::kBadSignature);
    const std::string raw = DecodeSegment(Segment(token, 2));
    EXPECT_EQ(
        Check(WithSignature(token, raw.substr(0, raw.size() - 1)), policy),
        AuthResult::kBadSignature);
  }
}

TEST(EcdsaDerTest, RoundTripsAndEncodesIntegersMinimally) {
  // r with a high bit (needs a 0x00 pad) and s with leading zeros.
  std::string raw(64, '\0');
  raw[0] = static_cast<char>(0x80);
  raw[63] = 0x01;
  uint8_t der[kMaxEcdsaDerSize];
  const size_t n = EcdsaRawToDer(raw, der);
  // 30 LEN 02 21 00 80 00.. (33 bytes) 02 01 01
  ASSERT_EQ(n, 2u + 2u + 33u + 3u);
  EXPECT_EQ(der[0], 0x30);
  EXPECT_EQ(der[2], 0x02);
  EXPECT_EQ(der[3], 33);
  EXPECT_EQ(der[4], 0x00);
  EXPECT_EQ(der[5], 0x80);
  EXPECT_EQ(der[n - 3], 0x02);
  EXPECT_EQ(der[n - 2], 0x01);
  EXPECT_EQ(der[n - 1], 0x01);
  std::string back;
  ASSERT_TRUE(EcdsaDerToRaw(std::string_view(reinterpret_cast<char*>(der), n),
                            32, &back));
  EXPECT_EQ(back, raw);
  // P-521 sizes need the long length form.
  const std::string big(132, '\x7f');
  const size_t m = EcdsaRawToDer(big, der);
  EXPECT_EQ(der[1], 0x81);
  ASSERT_TRUE(EcdsaDerToRaw(std::string_view(reinterpret_cast<char*>(der), m),
                            66, &back));
  EXPECT_EQ(back, big);
  EXPECT_EQ(EcdsaRawToDer(std::string(63, '\1'), der), 0u);  // odd length
}

}  // namespace
}  // namespace jwtgate::jwt
