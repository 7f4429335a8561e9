// ParseJwks on RSA moduli and exponents that are not a usable key: the
// outcome is decided by the key alone, the same on every parse (fuzz finding
// jwks_parse-rsa-random-check: OpenSSL's public-key check refused a
// malformed modulus on about one parse in 40, by chance).
#include <openssl/bn.h>

#include <chrono>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtgate/common/base64url.h"
#include "jwtgate/jwt/key.h"
#include "tests/testing/process.h"
#include "tests/testing/status_matchers.h"

namespace jwtgate::jwt {
namespace {

using ::jwtgate::testing::IsOk;
using ::jwtgate::testing::ReadFileOrEmpty;
using ::jwtgate::testing::StatusIs;
using ::testing::HasSubstr;

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

std::string B64(const BIGNUM* bn) {
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  return Base64UrlEncode(bytes);
}

std::string RsaJwks(const BIGNUM* n, const BIGNUM* e) {
  return R"({"keys":[{"kty":"RSA","kid":"k","n":")" + B64(n) + R"(","e":")" +
         B64(e) + "\"}]}";
}

BnPtr Word(BN_ULONG w) {
  BnPtr bn(BN_new(), &BN_free);
  BN_set_word(bn.get(), w);
  return bn;
}

// A committed fuzz finding of the jwks_parse target.
std::string Finding(const char* name) {
  return ReadFileOrEmpty(std::string(JWTGATE_SOURCE_DIR) +
                         "/tests/fuzz/findings/jwks_parse/" + name);
}

// The RFC 3526 2048-bit MODP prime: a fixed 2048-bit prime.
BnPtr Prime2048() {
  return BnPtr(BN_get_rfc3526_prime_2048(nullptr), &BN_free);
}

TEST(JwksRsaCheckTest, TheFuzzFindingParsesTheSameEveryTime) {
  const std::string text = Finding("rsa-random-check");
  ASSERT_FALSE(text.empty());
  // Its second modulus is an RSA-2048 modulus with one digit changed:
  // composite, odd, no factor below 752. The old check refused it on ~2.4%
  // of parses, so 300 parses all agreeing fail it with probability > 99.9%.
  for (int i = 0; i < 300; ++i) {
    auto keys = ParseJwks("idp", text);
    ASSERT_THAT(keys, IsOk()) << "parse " << i;
    ASSERT_EQ(keys->size(), 2u) << "parse " << i;
  }
}

TEST(JwksRsaCheckTest, PrimeModulusIsRefused) {
  BnPtr p = Prime2048();
  ASSERT_EQ(BN_num_bits(p.get()), 2048);
  EXPECT_THAT(ParseJwks("idp", RsaJwks(p.get(), Word(65537).get())),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("fails validation")));
}

// Fuzz finding jwks_parse/prime-modulus-slow: proving a 2432-bit "modulus"
// prime took 0.6 s (BN_check_prime, 128 rounds); an 8192-bit one ~15 s.
// Fermat's test refuses it after one modular exponentiation.
TEST(JwksRsaCheckTest, LargePrimeModulusIsRefusedQuickly) {
  const std::string text = Finding("prime-modulus-slow");
  ASSERT_FALSE(text.empty());
  BnPtr p8192(BN_get_rfc3526_prime_8192(nullptr), &BN_free);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(ParseJwks("idp", text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("fails validation")));
  EXPECT_THAT(ParseJwks("idp", RsaJwks(p8192.get(), Word(65537).get())),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("fails validation")));
  // About 0.1 s here; a primality proof would take over 10 s.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(JwksRsaCheckTest, EvenModulusOrSmallFactorIsRefused) {
  BnPtr p = Prime2048();
  for (BN_ULONG factor : {2, 3, 5, 751}) {
    BnPtr n(BN_dup(p.get()), &BN_free);
    BN_mul_word(n.get(), factor);
    EXPECT_THAT(ParseJwks("idp", RsaJwks(n.get(), Word(65537).get())),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("fails validation")))
        << factor;
  }
}

TEST(JwksRsaCheckTest, ExponentMustBeOddAboveOneAndBelowTheModulus) {
  // p * 757: composite, odd, smallest factor 757 (just past the trial
  // division bound), so only the exponent decides.
  BnPtr n = Prime2048();
  BN_mul_word(n.get(), 757);
  EXPECT_THAT(ParseJwks("idp", RsaJwks(n.get(), Word(65537).get())), IsOk());
  EXPECT_THAT(ParseJwks("idp", RsaJwks(n.get(), Word(3).get())), IsOk());
  for (BN_ULONG e : {1, 2, 65536}) {
    EXPECT_THAT(ParseJwks("idp", RsaJwks(n.get(), Word(e).get())),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("fails validation")))
        << e;
  }
  BnPtr big(BN_dup(n.get()), &BN_free);
  BN_add_word(big.get(), 2);  // odd, above n
  EXPECT_THAT(ParseJwks("idp", RsaJwks(n.get(), big.get())),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("fails validation")));
}

}  // namespace
}  // namespace jwtgate::jwt
