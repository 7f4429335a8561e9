#include "jwtgate/jwks/oidc_discovery.h"

#include <string>

#include "gtest/gtest.h"

namespace jwtgate::jwks {
namespace {

TEST(OidcDiscoveryTest, DiscoveryUrlHandlesTrailingSlash) {
  EXPECT_EQ(DiscoveryUrl("https://tenant.auth0.com/"),
            "https://tenant.auth0.com/.well-known/openid-configuration");
  EXPECT_EQ(DiscoveryUrl("https://tenant.auth0.com"),
            "https://tenant.auth0.com/.well-known/openid-configuration");
  EXPECT_EQ(DiscoveryUrl("https://kc.example/realms/main"),
            "https://kc.example/realms/main/.well-known/openid-configuration");
}

TEST(OidcDiscoveryTest, ReadsJwksUri) {
  auto uri = JwksUriFromDiscovery("https://tenant.auth0.com/",
                                  R"({"issuer":"https://tenant.auth0.com/",
          "authorization_endpoint":"https://tenant.auth0.com/authorize",
          "jwks_uri":"https://tenant.auth0.com/.well-known/jwks.json",
          "id_token_signing_alg_values_supported":["RS256"]})");
  ASSERT_TRUE(uri.ok()) << uri.status();
  EXPECT_EQ(*uri, "https://tenant.auth0.com/.well-known/jwks.json");
}

TEST(OidcDiscoveryTest, IssuerMustBeIdentical) {
  auto uri = JwksUriFromDiscovery(
      "https://tenant.auth0.com",
      R"({"issuer":"https://tenant.auth0.com/","jwks_uri":"https://t/j"})");
  ASSERT_FALSE(uri.ok());
  EXPECT_NE(std::string(uri.status().message()).find("identical"),
            std::string::npos)
      << uri.status();
  EXPECT_FALSE(
      JwksUriFromDiscovery(
          "https://a.example/",
          R"({"issuer":"https://evil.example/","jwks_uri":"https://e/j"})")
          .ok());
}

TEST(OidcDiscoveryTest, RefusesBadDocuments) {
  const std::string issuer = "https://idp.example/";
  for (
      const char* doc : {
          "",
          "{",
          "[]",
          R"({"jwks_uri":"https://idp.example/jwks"})",  // no issuer
          R"({"issuer":"https://idp.example/"})",        // no jwks_uri
          R"({"issuer":"https://idp.example/","jwks_uri":42})",
          R"({"issuer":"https://idp.example/","jwks_uri":"http://idp.example/jwks"})",
      }) {
    EXPECT_FALSE(JwksUriFromDiscovery(issuer, doc).ok()) << doc;
  }
}

}  // namespace
}  // namespace jwtgate::jwks
