// Published JWS test vectors: RFC 7515 Appendix A.1–A.4 and RFC 8037 A.4.
// Each verifies with its published public key and fails with one bit
// flipped in the signature or the signing input.
#include <string>

#include "gtest/gtest.h"
#include "jwtgate/common/base64url.h"
#include "jwtgate/jwt/key.h"
#include "jwtgate/jwt/verifier.h"
#include "tests/testing/status_matchers.h"

namespace jwtgate::jwt {
namespace {

// RFC 7515 A.1–A.3 share this payload:
// {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}
constexpr char kPayloadB64[] =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ";

// A.1: HS256 with header {"typ":"JWT",\r\n "alg":"HS256"}.
constexpr char kA1Key[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUu"
    "TwjAzZr1Z9CAow";
constexpr char kA1Header[] = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9";
constexpr char kA1Sig[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// A.2: RS256, RSA public key (n, e = AQAB).
constexpr char kA2N[] =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qP"
    "CJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47s"
    "oMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2"
    "R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoud"
    "F8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
constexpr char kA2Header[] = "eyJhbGciOiJSUzI1NiJ9";
constexpr char kA2Sig[] =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4B"
    "h-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZ"
    "LgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_d"
    "O--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6"
    "LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

// A.3: ES256, P-256 public key.
constexpr char kA3X[] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr char kA3Y[] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
constexpr char kA3Header[] = "eyJhbGciOiJFUzI1NiJ9";
constexpr char kA3Sig[] =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKT"
    "UJqPP3-Kg6NU1Q";

// A.4: ES512 over the payload "Payload", P-521 public key.
constexpr char kA4X[] =
    "AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9"
    "tsz4qUxcWceqwQGk";
constexpr char kA4Y[] =
    "ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZ"
    "mh9ubmf63e3kyMj2";
constexpr char kA4SigningInput[] = "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA";
constexpr char kA4Sig[] =
    "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-K"
    "GDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKv"
    "U8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn";

// RFC 8037 A.4: EdDSA (Ed25519) over "Example of Ed25519 signing".
constexpr char kEdX[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr char kEdSigningInput[] =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr char kEdSig[] =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7"
    "sVvpAr_MuM0KAg";

std::string Bytes(std::string_view b64) {
  std::string out(Base64UrlDecodedMaxSize(b64.size()), '\0');
  const ptrdiff_t n =
      Base64UrlDecode(b64, reinterpret_cast<uint8_t*>(out.data()), out.size());
  EXPECT_GE(n, 0) << b64;
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::string SigningInput(std::string_view header) {
  return std::string(header) + "." + kPayloadB64;
}

KeyPtr OnlyKey(std::string_view jwks) {
  auto keys = ParseJwks("rfc", jwks);
  EXPECT_THAT(keys, testing::IsOk());
  if (!keys.ok() || keys->size() != 1) return nullptr;
  return (*keys)[0];
}

// Checks that `key` accepts the vector and rejects each single-bit change.
void ExpectVectorHolds(const Key& key, Alg alg, const std::string& input,
                       const std::string& sig) {
  EXPECT_TRUE(key.Verify(alg, input, sig));
  for (size_t byte : {size_t{0}, sig.size() / 2, sig.size() - 1}) {
    std::string bad = sig;
    bad[byte] ^= 0x01;
    EXPECT_FALSE(key.Verify(alg, input, bad)) << "signature byte " << byte;
  }
  std::string bad_input = input;
  bad_input[bad_input.size() - 1] ^= 0x01;
  EXPECT_FALSE(key.Verify(alg, bad_input, sig));
}

TEST(RfcVectorsTest, Rfc7515A1Hs256) {
  auto key = MakeHmacKey("rfc", Alg::kHS256, Bytes(kA1Key));
  ASSERT_THAT(key, testing::IsOk());
  ExpectVectorHolds(**key, Alg::kHS256, SigningInput(kA1Header), Bytes(kA1Sig));
}

TEST(RfcVectorsTest, Rfc7515A2Rs256) {
  KeyPtr key = OnlyKey(std::string("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"") +
                       kA2N + "\",\"e\":\"AQAB\"}]}");
  ASSERT_NE(key, nullptr);
  ExpectVectorHolds(*key, Alg::kRS256, SigningInput(kA2Header), Bytes(kA2Sig));
}

TEST(RfcVectorsTest, Rfc7515A3Es256) {
  KeyPtr key = OnlyKey(
      std::string("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"") +
      kA3X + "\",\"y\":\"" + kA3Y + "\"}]}");
  ASSERT_NE(key, nullptr);
  ExpectVectorHolds(*key, Alg::kES256, SigningInput(kA3Header), Bytes(kA3Sig));
}

TEST(RfcVectorsTest, Rfc7515A4Es512) {
  KeyPtr key = OnlyKey(
      std::string("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"") +
      kA4X + "\",\"y\":\"" + kA4Y + "\"}]}");
  ASSERT_NE(key, nullptr);
  ExpectVectorHolds(*key, Alg::kES512, kA4SigningInput, Bytes(kA4Sig));
}

TEST(RfcVectorsTest, Rfc8037A4Ed25519) {
  KeyPtr key = OnlyKey(
      std::string("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"") +
      kEdX + "\"}]}");
  ASSERT_NE(key, nullptr);
  ExpectVectorHolds(*key, Alg::kEdDSA, kEdSigningInput, Bytes(kEdSig));
}

// The complete A.1–A.3 tokens through the Verifier, at a time before their
// exp (2011-03-22T18:43:00Z), including the quoted-name claim rule that the
// vector's "http://example.com/is_root" claim invites.
TEST(RfcVectorsTest, CompleteTokensVerify) {
  const int64_t before_exp = 1300819380 - 60;
  auto rule = ClaimRule::Parse("\"http://example.com/is_root\" = true");
  ASSERT_THAT(rule, testing::IsOk());
  struct Case {
    std::string token;
    KeyPtr key;
  };
  auto hmac = MakeHmacKey("rfc", Alg::kHS256, Bytes(kA1Key));
  ASSERT_THAT(hmac, testing::IsOk());
  const Case cases[] = {
      {SigningInput(kA1Header) + "." + kA1Sig, *hmac},
      {SigningInput(kA2Header) + "." + kA2Sig,
       OnlyKey(std::string("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"") + kA2N +
               "\",\"e\":\"AQAB\"}]}")},
      {SigningInput(kA3Header) + "." + kA3Sig,
       OnlyKey(std::string(
                   "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"") +
               kA3X + "\",\"y\":\"" + kA3Y + "\"}]}")},
  };
  for (const Case& c : cases) {
    ASSERT_NE(c.key, nullptr);
    Policy policy;
    policy.keys = {c.key};
    policy.issuers = {"joe"};
    policy.rules = {*rule};
    Verifier verifier(0);
    EXPECT_EQ(verifier.Verify(c.token, policy, before_exp).result,
              AuthResult::kOk)
        << c.token.substr(0, 20);
    EXPECT_EQ(verifier.Verify(c.token, policy, 1300819380).result,
              AuthResult::kExpired);
  }
}

}  // namespace
}  // namespace jwtgate::jwt
