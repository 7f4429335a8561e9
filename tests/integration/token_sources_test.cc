// SPEC §3 token extraction: the Authorization header (scheme case-
// insensitive, one space or more), the route's token_cookie, conflicts
// between two tokens (400), and strip_authorization.
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"

namespace jwtgate::testing {
namespace {

using TokenSourcesTest = GatewayFixture;

TEST_F(TokenSourcesTest, BearerSchemeIsCaseInsensitiveWithOneOrMoreSpaces) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  const std::string token = ValidToken();
  for (const std::string& value :
       {"bearer " + token, "BEARER " + token, "Bearer    " + token}) {
    ASSERT_OK_AND_ASSIGN(HttpResponse r,
                         Get("/api/echo", {{"Authorization", value}}));
    EXPECT_EQ(r.status, 200) << value.substr(0, 12) << ": " << r.body;
  }
}

TEST_F(TokenSourcesTest, TokenTakenFromConfiguredCookie) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      Get("/cookie/echo",
          {{"Cookie", "theme=dark; access_token=" + ValidToken() + "; x=1"}}));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.Header("x-auth-userid").value_or(""), kItSubject);
}

TEST_F(TokenSourcesTest, BadCookieTokenIs401InvalidToken) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  jwt::MintOptions o = ValidClaims();
  o.ttl_seconds = 3600;
  o.now_unix = Now() - 7200;  // expired an hour ago
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      Get("/cookie/echo", {{"Cookie", "access_token=" + Mint(o)}}));
  EXPECT_TRUE(IsGatewayAnswer(r, 401));
  EXPECT_NE(r.Header("www-authenticate").value_or("").find("invalid_token"),
            std::string::npos);
}

TEST_F(TokenSourcesTest, CookieIgnoredOnRoutesWithoutTokenCookie) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      Get("/api/echo", {{"Cookie", "access_token=" + ValidToken()}}));
  EXPECT_TRUE(IsGatewayAnswer(r, 401));
  EXPECT_EQ(r.Header("www-authenticate").value_or(""),
            "Bearer realm=\"jwtgate\"");
}

TEST_F(TokenSourcesTest, HeaderAndCookieWithTheSameTokenPass) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  const std::string token = ValidToken();
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       GetWithToken("/cookie/echo", token,
                                    {{"Cookie", "access_token=" + token}}));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(TokenSourcesTest, HeaderAndCookieDisagreeingIs400) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  jwt::MintOptions other = ValidClaims();
  other.sub = "user-2";
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      GetWithToken("/cookie/echo", ValidToken(),
                   {{"Cookie", "access_token=" + Mint(other)}}));
  EXPECT_TRUE(IsGatewayAnswer(r, 400));
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

TEST_F(TokenSourcesTest, TwoDifferentAuthorizationHeadersIs400) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  jwt::MintOptions other = ValidClaims();
  other.sub = "user-2";
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      Get("/api/echo", {{"Authorization", "Bearer " + ValidToken()},
                        {"Authorization", "Bearer " + Mint(other)}}));
  EXPECT_TRUE(IsGatewayAnswer(r, 400));
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

TEST_F(TokenSourcesTest, StripAuthorizationRemovesTheHeaderUpstream) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       GetWithToken("/strip/echo", ValidToken()));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.HeaderCount("authorization"), 0u);
  EXPECT_EQ(e.Header("x-auth-userid").value_or(""), kItSubject);
}

}  // namespace
}  // namespace jwtgate::testing
