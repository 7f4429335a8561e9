// SPEC §4 identity headers: X-Auth-UserId and claim_header values arrive
// upstream; client copies of them are removed on every route (auth = off
// included); claim values of the wrong type or with control characters
// are a 401.
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"

namespace jwtgate::testing {
namespace {

using IdentityHeadersTest = GatewayFixture;

// The comma-separated items of `v`, trimmed.
std::vector<std::string> Items(const std::string& v) {
  std::vector<std::string> out;
  for (absl::string_view s : absl::StrSplit(v, ',')) {
    out.emplace_back(absl::StripAsciiWhitespace(s));
  }
  return out;
}

TEST_F(IdentityHeadersTest, SubAndClaimsArriveAsHeaders) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  jwt::MintOptions o = ValidClaims();
  o.claims_json.push_back({"roles", R"(["admin","dev"])"});
  o.claims_json.push_back({"org", R"({"id":42,"name":"acme"})"});
  ASSERT_OK_AND_ASSIGN(HttpResponse r, GetWithToken("/api/echo", Mint(o)));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.HeaderValues("x-auth-userid"),
            std::vector<std::string>{kItSubject});
  EXPECT_EQ(e.HeaderValues("x-auth-email"),
            std::vector<std::string>{"user-1@example.com"});
  ASSERT_EQ(e.HeaderCount("x-auth-roles"), 1u);
  EXPECT_EQ(Items(*e.Header("x-auth-roles")),
            (std::vector<std::string>{"admin", "dev"}));
  EXPECT_EQ(e.HeaderValues("x-auth-org"), std::vector<std::string>{"42"});
}

TEST_F(IdentityHeadersTest, BooleanClaimIsSentAsText) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  jwt::MintOptions o = ValidClaims();
  o.claims_json.push_back({"org", R"({"id":true})"});
  ASSERT_OK_AND_ASSIGN(HttpResponse r, GetWithToken("/api/echo", Mint(o)));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.HeaderValues("x-auth-org"), std::vector<std::string>{"true"});
}

TEST_F(IdentityHeadersTest, AbsentClaimSendsNoHeader) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, GetWithToken("/api/echo", ValidToken()));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.HeaderCount("x-auth-roles"), 0u);
  EXPECT_EQ(e.HeaderCount("x-auth-org"), 0u);
}

TEST_F(IdentityHeadersTest, ClaimValuesThatCannotBeHeadersAre401) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  const std::pair<const char*, const char*> cases[] = {
      {"email", R"({"a":1})"},                       // object
      {"roles", R"(["admin",7])"},                   // array with a number
      {"email", R"("a\u0001b@example.com")"},        // control character
      {"email", R"("x@example.com\r\nX-Evil: 1")"},  // header injection
      {"roles", R"(["ok","bad\nvalue"])"},
  };
  for (const auto& [claim, json] : cases) {
    SCOPED_TRACE(std::string(claim) + " = " + json);
    jwt::MintOptions o = ValidClaims();
    o.claims_json = {{claim, json}};
    ASSERT_OK_AND_ASSIGN(HttpResponse r, GetWithToken("/api/echo", Mint(o)));
    EXPECT_TRUE(IsGatewayAnswer(r, 401));
  }
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

TEST_F(IdentityHeadersTest, SpoofedIdentityHeadersRemovedOnAuthOffRoute) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r, Get("/public/echo", {{"X-Auth-UserId", "admin"},
                                           {"x-auth-email", "root@example.com"},
                                           {"X-AUTH-ROLES", "admin"},
                                           {"X-Auth-Org", "1"},
                                           {"X-Auth-Userid", "second-copy"},
                                           {"X-Other", "kept"}}));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  for (const char* h :
       {"x-auth-userid", "x-auth-email", "x-auth-roles", "x-auth-org"}) {
    EXPECT_EQ(e.HeaderCount(h), 0u) << h << " reached the upstream";
  }
  EXPECT_EQ(e.HeaderValues("x-other"), std::vector<std::string>{"kept"});
}

TEST_F(IdentityHeadersTest, SpoofedIdentityHeadersReplacedOnAuthRoute) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      GetWithToken("/api/echo", ValidToken(),
                   {{"X-Auth-UserId", "admin"}, {"X-Auth-Roles", "admin"}}));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.HeaderValues("x-auth-userid"),
            std::vector<std::string>{kItSubject});
  EXPECT_EQ(e.HeaderCount("x-auth-roles"), 0u);
}

}  // namespace
}  // namespace jwtgate::testing
