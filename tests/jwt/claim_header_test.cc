// claim_header extraction: strings, numbers, booleans, arrays of strings
// (comma-joined), absent claims, and values that cannot become a header.
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

class ClaimHeaderTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  TokenFactory factory_{clock_.UnixSeconds()};
  Verifier verifier_{0};

  // Verifies a token with `members` against headers for `claims`.
  VerifyOutcome Run(std::string_view members,
                    std::initializer_list<const char*> claims) {
    Policy p = TokenFactory::PolicyFor(Alg::kHS256);
    int i = 0;
    for (const char* c : claims) {
      auto path = ClaimPath::Parse(c);
      EXPECT_TRUE(path.ok()) << c;
      p.claim_headers.push_back({*path, "X-Claim-" + std::to_string(i++)});
    }
    policy_ = std::move(p);
    return verifier_.Verify(
        factory_.Sign(Alg::kHS256, factory_.Auth0Payload(3600, members)),
        policy_, clock_.UnixSeconds());
  }

  Policy policy_;
};

TEST_F(ClaimHeaderTest, ValuesOfEachType) {
  const VerifyOutcome out =
      Run(R"("email":"ada@example.com","n":42,"f":-1.5e3,"b":true,)"
          R"("roles":["admin","dev"],"org":{"id":"o-1"},)"
          R"("https://example.com/tenant":"acme","u":"caf\u00e9")",
          {"email", "n", "f", "b", "roles", "org.id",
           "\"https://example.com/tenant\"", "u", "absent"});
  ASSERT_EQ(out.result, AuthResult::kOk);
  EXPECT_THAT(out.claim_values,
              ElementsAre("ada@example.com", "42", "-1.5e3", "true",
                          "admin,dev", "o-1", "acme", "caf\xc3\xa9", ""));
  EXPECT_EQ(out.sub, testing::kTestSubject);
}

TEST_F(ClaimHeaderTest, EmptyArrayGivesEmptyValue) {
  const VerifyOutcome out = Run(R"("roles":[])", {"roles"});
  ASSERT_EQ(out.result, AuthResult::kOk);
  EXPECT_THAT(out.claim_values, ElementsAre(""));
}

TEST_F(ClaimHeaderTest, ControlCharactersAreRefused) {
  EXPECT_EQ(Run(R"("email":"a@b\r\nX-Admin: 1")", {"email"}).result,
            AuthResult::kBadClaimValue);
  EXPECT_EQ(Run(R"("email":"a\nb")", {"email"}).result,
            AuthResult::kBadClaimValue);
  EXPECT_EQ(Run(R"("email":"a\tb")", {"email"}).result,
            AuthResult::kBadClaimValue);
  EXPECT_EQ(Run(R"("roles":["ok","bad\n"])", {"roles"}).result,
            AuthResult::kBadClaimValue);
  // Not extracted → not checked.
  EXPECT_EQ(Run(R"("note":"a\nb")", {"email"}).result, AuthResult::kOk);
}

TEST_F(ClaimHeaderTest, UnforwardableTypesAreRefused) {
  EXPECT_EQ(Run(R"("org":{"id":1})", {"org"}).result,
            AuthResult::kBadClaimValue);
  EXPECT_EQ(Run(R"("roles":["a",1])", {"roles"}).result,
            AuthResult::kBadClaimValue);
  EXPECT_EQ(Run(R"("roles":[["a"]])", {"roles"}).result,
            AuthResult::kBadClaimValue);
  EXPECT_EQ(Run(R"("x":null)", {"x"}).result, AuthResult::kBadClaimValue);
}

TEST_F(ClaimHeaderTest, ManyValuesStayValid) {
  // Enough long values to make the output buffer grow several times.
  std::string members;
  std::vector<std::string> names;
  for (int i = 0; i < 12; ++i) {
    if (i > 0) members += ",";
    members +=
        "\"c" + std::to_string(i) + "\":\"" + std::string(300, 'a' + i) + "\"";
    names.push_back("c" + std::to_string(i));
  }
  Policy p = TokenFactory::PolicyFor(Alg::kHS256);
  for (size_t i = 0; i < names.size(); ++i) {
    p.claim_headers.push_back({*ClaimPath::Parse(names[i]), "X-" + names[i]});
  }
  const VerifyOutcome out = verifier_.Verify(
      factory_.Sign(Alg::kHS256, factory_.Auth0Payload(3600, members)), p,
      clock_.UnixSeconds());
  ASSERT_EQ(out.result, AuthResult::kOk);
  ASSERT_EQ(out.claim_values.size(), 12u);
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(out.claim_values[i], std::string(300, 'a' + i));
  }
}

}  // namespace
}  // namespace jwtgate::jwt
