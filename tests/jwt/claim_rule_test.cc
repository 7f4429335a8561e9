// `require` rules: parsing (every operator, quoted and dotted claims, the
// errors) and evaluation through the Verifier (every operator true/false).
#include "jwt/claim_rule.h"

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
using ::jwtgate::testing::IsOk;
using ::jwtgate::testing::StatusIs;
using ::jwtgate::testing::TokenFactory;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Op = ClaimRuleImpl::Op;

const ClaimRuleImpl& Impl(const ClaimRulePtr& r) {
  return static_cast<const ClaimRuleImpl&>(*r);
}

TEST(ClaimRuleParseTest, EveryOperator) {
  struct Case {
    const char* text;
    Op op;
  } const cases[] = {
      {"sub exists", Op::kExists},
      {"org.id = 42", Op::kEq},
      {"org.id=42", Op::kEq},
      {"role != banned", Op::kNe},
      {"role!=banned", Op::kNe},
      {"tier in gold, silver", Op::kIn},
      {"scope contains read:messages", Op::kContains},
      {"email ~ @example\\.com$", Op::kRegex},
  };
  for (const Case& c : cases) {
    auto r = ClaimRule::Parse(c.text);
    ASSERT_THAT(r, IsOk()) << c.text;
    EXPECT_EQ(Impl(*r).op(), c.op) << c.text;
    EXPECT_EQ((*r)->text(), c.text);
  }
}

TEST(ClaimRuleParseTest, ClaimPaths) {
  auto quoted =
      ClaimRule::Parse("\"https://example.com/roles\" contains admin");
  ASSERT_THAT(quoted, IsOk());
  EXPECT_THAT(Impl(*quoted).path().segments,
              ElementsAre("https://example.com/roles"));
  auto dotted = ClaimRule::Parse("app_metadata.org.id = 7");
  ASSERT_THAT(dotted, IsOk());
  EXPECT_THAT(Impl(*dotted).path().segments,
              ElementsAre("app_metadata", "org", "id"));
  auto mixed = ClaimRule::Parse("\"https://x.io/app\".tenant = acme");
  ASSERT_THAT(mixed, IsOk());
  EXPECT_THAT(Impl(*mixed).path().segments,
              ElementsAre("https://x.io/app", "tenant"));
  auto escaped = ClaimRule::Parse(R"("a\"b\\c" exists)");
  ASSERT_THAT(escaped, IsOk());
  EXPECT_THAT(Impl(*escaped).path().segments, ElementsAre("a\"b\\c"));
}

TEST(ClaimRuleParseTest, Errors) {
  const char* bad[] = {
      "",                       // empty
      "scope",                  // no operator
      "scope contanis x",       // unknown operator
      "scope containsx y",      // operator glued to a word
      "scope contains",         // missing value
      "scope =",                // missing value
      "tier in",                // missing list
      "tier in a,,b",           // empty list item
      "sub exists now",         // trailing text
      "a..b exists",            // empty segment
      ".a exists",              // empty segment
      "\"unterminated exists",  // bad quoting
      "\"\" exists",            // empty quoted name
      "email ~",                // missing regex
      "email ~ (unclosed",      // bad regex
      "x = \"a\" b",            // text after a quoted value
  };
  for (const char* text : bad) {
    EXPECT_THAT(ClaimRule::Parse(text),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << text;
  }
  // The regex error carries RE2's explanation.
  EXPECT_THAT(
      ClaimRule::Parse("email ~ (unclosed"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("missing )")));
}

TEST(ClaimRuleParseTest, Values) {
  auto quoted = ClaimRule::Parse(R"(name = "Ada Lovelace")");
  ASSERT_THAT(quoted, IsOk());
  auto list = ClaimRule::Parse(R"(tier in  gold , "a,b" ,silver)");
  ASSERT_THAT(list, IsOk());
}

TEST(ClaimPathTest, ParsesAndRejects) {
  auto p = ClaimPath::Parse("  \"https://example.com/email\"  ");
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(p->segments, ElementsAre("https://example.com/email"));
  auto n = ClaimPath::Parse("user.profile.email");
  ASSERT_THAT(n, IsOk());
  EXPECT_THAT(n->segments, ElementsAre("user", "profile", "email"));
  EXPECT_THAT(ClaimPath::Parse(""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ClaimPath::Parse("a b"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ClaimPath::Parse("a."),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Evaluation through the Verifier, against one token carrying every shape.
class ClaimRuleEvalTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  TokenFactory factory_{clock_.UnixSeconds()};
  Verifier verifier_{0};
  const std::string token_ = factory_.Sign(
      Alg::kHS256,
      factory_.Auth0Payload(
          3600,
          R"("email":"ada@example.com","org":{"id":42,"name":"acme","flags":{"beta":true}},)"
          R"("roles":["admin","dev"],"https://example.com/roles":["ops"],)"
          R"("tier":"gold","ratio":1.50,"active":false,"nothing":null,"count":0)"));

  AuthResult With(std::string_view rule) {
    auto r = ClaimRule::Parse(rule);
    EXPECT_THAT(r, IsOk()) << rule;
    if (!r.ok()) return AuthResult::kMalformed;
    Policy p = TokenFactory::PolicyFor(Alg::kHS256);
    p.rules = {*r};
    return verifier_.Verify(token_, p, clock_.UnixSeconds()).result;
  }
  void Holds(std::string_view rule) {
    EXPECT_EQ(With(rule), AuthResult::kOk) << rule;
  }
  void Fails(std::string_view rule) {
    EXPECT_EQ(With(rule), AuthResult::kInsufficientScope) << rule;
  }
};

TEST_F(ClaimRuleEvalTest, Exists) {
  Holds("email exists");
  Holds("org.flags.beta exists");
  Holds("active exists");  // false is present
  Holds("count exists");   // 0 is present
  Fails("phone exists");
  Fails("org.flags.alpha exists");
  Fails("email.domain exists");  // not an object
  Fails("nothing exists");       // null counts as absent
}

TEST_F(ClaimRuleEvalTest, Equals) {
  Holds("tier = gold");
  Holds("org.id = 42");
  Holds("org.name = acme");
  Holds("org.flags.beta = true");
  Holds("active = false");
  Holds("ratio = 1.50");  // the number's JSON text
  Holds("sub = auth0|5f7c8ec7c33c6c004bbafe82");
  Holds(R"("https://example.com/roles" exists)");
  Fails("tier = Gold");  // case-sensitive
  Fails("org.id = 42.0");
  Fails("ratio = 1.5");
  Fails("active = true");
  Fails("roles = admin");  // arrays are not scalars
  Fails("org = acme");
  Fails("missing = x");
}

TEST_F(ClaimRuleEvalTest, NotEquals) {
  Holds("tier != silver");
  Holds("org.id != 43");
  Holds("missing != x");  // the exact negation of =
  Fails("tier != gold");
  Fails("org.id != 42");
}

TEST_F(ClaimRuleEvalTest, In) {
  Holds("tier in silver, gold");
  Holds("org.id in 1,42,7");
  Holds("active in true,false");
  Fails("tier in silver,bronze");
  Fails("missing in a,b");
  Fails("roles in admin,dev");
}

TEST_F(ClaimRuleEvalTest, Contains) {
  Holds("roles contains admin");
  Holds("roles contains dev");
  Holds(R"("https://example.com/roles" contains ops)");
  Holds("scope contains read:messages");  // a word of a space list
  Holds("scope contains openid");
  Fails("roles contains adm");
  Fails("scope contains read");  // words, not substrings
  Fails("scope contains write:messages");
  Fails("org contains acme");
  Fails("missing contains x");
}

TEST_F(ClaimRuleEvalTest, Regex) {
  Holds("email ~ @example\\.com$");
  Holds("email ~ ^ada");
  Holds("roles ~ ^ad");  // any string element
  Holds("org.id ~ ^4");  // a number's text
  Fails("email ~ @example\\.org$");
  Fails("email ~ ^example");  // anchors respected
  Fails("roles ~ ^ops$");
  Fails("missing ~ .*");
}

TEST_F(ClaimRuleEvalTest, AllRulesMustHold) {
  auto a = ClaimRule::Parse("tier = gold");
  auto b = ClaimRule::Parse("roles contains admin");
  auto c = ClaimRule::Parse("roles contains root");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  Policy p = TokenFactory::PolicyFor(Alg::kHS256);
  p.rules = {*a, *b};
  EXPECT_EQ(verifier_.Verify(token_, p, clock_.UnixSeconds()).result,
            AuthResult::kOk);
  p.rules = {*a, *b, *c};
  EXPECT_EQ(verifier_.Verify(token_, p, clock_.UnixSeconds()).result,
            AuthResult::kInsufficientScope);
}

}  // namespace
}  // namespace jwtgate::jwt
