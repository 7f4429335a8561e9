// Verifier: header and payload must each be complete, valid JSON (RFC 7519
// §7.2), also in members the verifier never reads (fuzz finding
// jws_verify/header-invalid-json: simdjson On-Demand skipped `"x":tru`),
// with a correct signature, with and without the token cache.
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "jwtgate/jwt/verifier.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/token_factory.h"

namespace jwtgate::jwt {
namespace {

using ::jwtgate::testing::FakeClock;
using ::jwtgate::testing::TokenFactory;

// Malformed JSON values, each placed where nothing reads it.
constexpr std::string_view kBadValues[] = {"tru",
                                           "nul",
                                           "[1,}",
                                           "{\"a\" 1}",
                                           "\"unterminated",
                                           "01",
                                           "1.",
                                           "-",
                                           "\"bad \\q escape\"",
                                           "\"raw \x01 control\"",
                                           "\"\xff\xfe\"",
                                           "[1 2]",
                                           std::string_view("\0\"x\"", 4)};

class VerifierJsonTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  TokenFactory factory_{clock_.UnixSeconds()};
  Policy policy_ = TokenFactory::PolicyFor(Alg::kHS256);

  // A payload that verifies under policy_, with `extra` members.
  std::string Payload(std::string_view extra = "") {
    return factory_.Auth0Payload(60, extra);
  }
  AuthResult Check(Verifier& v, std::string_view header,
                   std::string_view payload) {
    const std::string token =
        factory_.SignWithHeader(Alg::kHS256, header, payload);
    return v.Verify(token, policy_, clock_.UnixSeconds()).result;
  }
};

TEST_F(VerifierJsonTest, ValidJsonEverywhereVerifies) {
  Verifier v(0);
  EXPECT_EQ(Check(v, R"({"alg":"HS256","x":[true,null,{"a":-1.5e3}]})",
                  Payload(R"("y":{"z":["\u00e9\n",18446744073709551615,)"
                          R"(-9223372036854775808,1e308]})")),
            AuthResult::kOk);
}

// A limit RFC 8259 §6 allows (simdjson's): a number must fit a 64-bit
// integer or a finite double.
TEST_F(VerifierJsonTest, NumbersBeyond64BitsOrDoubleAreMalformed) {
  Verifier v(0);
  for (const char* n : {"18446744073709551616", "-9223372036854775809", "1e400",
                        "123456789012345678901234567890"}) {
    EXPECT_EQ(
        Check(v, R"({"alg":"HS256"})", Payload("\"n\":" + std::string(n))),
        AuthResult::kMalformed)
        << n;
  }
}

TEST_F(VerifierJsonTest, InvalidJsonInAnUnreadHeaderMemberIsMalformed) {
  for (size_t cache : {0, 64}) {
    Verifier v(cache);
    for (std::string_view bad : kBadValues) {
      const std::string header =
          R"({"alg":"HS256","x":)" + std::string(bad) + "}";
      EXPECT_EQ(Check(v, header, Payload()), AuthResult::kMalformed)
          << "cache " << cache << ", header " << header;
    }
  }
}

TEST_F(VerifierJsonTest, InvalidJsonInAnUnreadPayloadMemberIsMalformed) {
  for (size_t cache : {0, 64}) {
    Verifier v(cache);
    for (std::string_view bad : kBadValues) {
      const std::string payload = Payload("\"x\":" + std::string(bad));
      // Twice: a malformed payload must not be cached either.
      for (int round = 0; round < 2; ++round) {
        EXPECT_EQ(Check(v, R"({"alg":"HS256"})", payload),
                  AuthResult::kMalformed)
            << "cache " << cache << ", round " << round << ", payload "
            << payload;
      }
    }
  }
}

TEST_F(VerifierJsonTest, TrailingBytesAfterTheObjectAreMalformed) {
  Verifier v(0);
  EXPECT_EQ(Check(v, R"({"alg":"HS256"})", Payload()), AuthResult::kOk);
  EXPECT_EQ(Check(v, R"({"alg":"HS256"} x)", Payload()),
            AuthResult::kMalformed);
  EXPECT_EQ(Check(v, R"({"alg":"HS256"})", Payload() + "}"),
            AuthResult::kMalformed);
}

}  // namespace
}  // namespace jwtgate::jwt
