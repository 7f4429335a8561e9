// AnswerFor / AuthResultName (the single HTTP mapping) and Alg names.
#include "jwtgate/jwt/auth_result.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "jwtgate/jwt/alg.h"

namespace jwtgate::jwt {
namespace {

TEST(AuthResultTest, StatusCodes) {
  for (int i = 0; i < kAuthResultCount; ++i) {
    const auto r = static_cast<AuthResult>(i);
    const AuthAnswer a = AnswerFor(r);
    switch (r) {
      case AuthResult::kOk:
        EXPECT_EQ(a.status, 200);
        break;
      case AuthResult::kNoToken:
        EXPECT_EQ(a.status, 401);
        EXPECT_EQ(a.error, "");  // RFC 6750 §3.1: no error= without a token
        break;
      case AuthResult::kMultipleTokens:
        EXPECT_EQ(a.status, 400);
        EXPECT_EQ(a.error, "invalid_request");
        break;
      case AuthResult::kInsufficientScope:
        EXPECT_EQ(a.status, 403);
        EXPECT_EQ(a.error, "insufficient_scope");
        break;
      default:
        EXPECT_EQ(a.status, 401) << AuthResultName(r);
        EXPECT_EQ(a.error, "invalid_token") << AuthResultName(r);
        EXPECT_FALSE(a.description.empty());
    }
  }
}

TEST(AuthResultTest, NamesAreUniqueSnakeCase) {
  std::set<std::string> seen;
  for (int i = 0; i < kAuthResultCount; ++i) {
    const std::string name(AuthResultName(static_cast<AuthResult>(i)));
    EXPECT_TRUE(seen.insert(name).second) << name;
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
    // Descriptions go into a quoted WWW-Authenticate parameter.
    for (char c : AnswerFor(static_cast<AuthResult>(i)).description) {
      EXPECT_NE(c, '"');
      EXPECT_NE(c, '\\');
    }
  }
  EXPECT_EQ(AuthResultName(AuthResult::kOk), "ok");
  EXPECT_EQ(AuthResultName(AuthResult::kExpired), "expired");
}

TEST(AlgTest, NamesRoundTripExactly) {
  for (int i = 0; i < kAlgCount; ++i) {
    const auto a = static_cast<Alg>(i);
    EXPECT_EQ(AlgFromName(AlgName(a)), a);
  }
  EXPECT_EQ(AlgFromName("EdDSA"), Alg::kEdDSA);
  for (const char* bad : {"none", "None", "NONE", "hs256", "HS256 ", "RS1",
                          "Ed25519", "ES256K", ""}) {
    EXPECT_FALSE(AlgFromName(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace jwtgate::jwt
