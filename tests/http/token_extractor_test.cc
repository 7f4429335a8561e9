#include "jwtgate/http/token_extractor.h"

#include <string>

#include "gtest/gtest.h"
#include "jwtgate/http/request_parser.h"

namespace jwtgate::http {
namespace {

using S = TokenSearch::Status;

class TokenExtractorTest : public ::testing::Test {
 protected:
  TokenSearch Extract(const std::string& headers, std::string_view cookie) {
    arena_ = "GET / HTTP/1.1\r\nHost: h\r\n" + headers + "\r\n";
    parser_.Start(arena_.data());
    size_t used;
    EXPECT_EQ(parser_.FeedHead(arena_.data(), arena_.size(), &used),
              RequestParser::Result::kHeadComplete);
    return ExtractToken(arena_.data(), parser_.head(), cookie);
  }
  std::string arena_;
  RequestParser parser_{16 * 1024, 64};
};

TEST_F(TokenExtractorTest, BearerSchemeIsCaseInsensitiveWithOneOrMoreSpaces) {
  for (const char* h : {"Authorization: Bearer abc.def.ghi\r\n",
                        "authorization: bearer abc.def.ghi\r\n",
                        "AUTHORIZATION: BEARER    abc.def.ghi\r\n"}) {
    TokenSearch t = Extract(h, "");
    EXPECT_EQ(t.status, S::kFound) << h;
    EXPECT_EQ(t.token, "abc.def.ghi") << h;
  }
}

TEST_F(TokenExtractorTest, OtherSchemesAndEmptyTokensAreNoToken) {
  EXPECT_EQ(Extract("Authorization: Basic dXNlcjpwdw==\r\n", "").status,
            S::kNone);
  EXPECT_EQ(Extract("Authorization: Bearer\r\n", "").status, S::kNone);
  EXPECT_EQ(Extract("Authorization: Bearer    \r\n", "").status, S::kNone);
  EXPECT_EQ(Extract("Authorization: Bearerabc\r\n", "").status, S::kNone);
  EXPECT_EQ(Extract("", "").status, S::kNone);
}

TEST_F(TokenExtractorTest, TwoDifferentAuthorizationHeadersConflict) {
  EXPECT_EQ(
      Extract("Authorization: Bearer a\r\nAuthorization: Bearer b\r\n", "")
          .status,
      S::kConflict);
  // The same token twice is one token.
  EXPECT_EQ(
      Extract("Authorization: Bearer a\r\nAuthorization: Bearer a\r\n", "")
          .status,
      S::kFound);
}

TEST_F(TokenExtractorTest, CookieIsUsedOnlyWhenConfigured) {
  const std::string cookie = "Cookie: theme=dark; access_token=c.o.k\r\n";
  EXPECT_EQ(Extract(cookie, "").status, S::kNone);
  TokenSearch t = Extract(cookie, "access_token");
  EXPECT_EQ(t.status, S::kFound);
  EXPECT_EQ(t.token, "c.o.k");
  EXPECT_EQ(Extract("Cookie: access_token=\"q.u.o\"\r\n", "access_token").token,
            "q.u.o");
  // A cookie whose name only ends with the configured one does not count.
  EXPECT_EQ(Extract("Cookie: my_access_token=x\r\n", "access_token").status,
            S::kNone);
}

TEST_F(TokenExtractorTest, HeaderAndCookieMustAgree) {
  EXPECT_EQ(Extract("Authorization: Bearer a\r\nCookie: access_token=b\r\n",
                    "access_token")
                .status,
            S::kConflict);
  TokenSearch same = Extract(
      "Authorization: Bearer a\r\nCookie: access_token=a\r\n", "access_token");
  EXPECT_EQ(same.status, S::kFound);
  EXPECT_EQ(same.token, "a");
  EXPECT_EQ(Extract("Cookie: access_token=a\r\nCookie: access_token=b\r\n",
                    "access_token")
                .status,
            S::kConflict);
}

}  // namespace
}  // namespace jwtgate::http
