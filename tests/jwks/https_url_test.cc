#include "jwtgate/jwks/https_url.h"

#include "gtest/gtest.h"

namespace jwtgate::jwks {
namespace {

TEST(HttpsUrlTest, SplitsHostPortAndTarget) {
  auto url = ParseHttpsUrl("https://Tenant.Auth0.com/.well-known/jwks.json");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "tenant.auth0.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/.well-known/jwks.json");
  EXPECT_FALSE(url->host_is_ip);
  EXPECT_EQ(url->Authority(), "tenant.auth0.com");
}

TEST(HttpsUrlTest, PortQueryAndFragment) {
  auto url = ParseHttpsUrl("HTTPS://127.0.0.1:8443/certs?realm=a#frag");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_TRUE(url->host_is_ip);
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/certs?realm=a");
  EXPECT_EQ(url->Authority(), "127.0.0.1:8443");
  EXPECT_EQ(url->ForLog(), "https://127.0.0.1:8443/certs");
  EXPECT_EQ(url->ToString(), "https://127.0.0.1:8443/certs?realm=a");
}

TEST(HttpsUrlTest, EmptyPathBecomesSlash) {
  auto url = ParseHttpsUrl("https://idp.example");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->target, "/");
  url = ParseHttpsUrl("https://idp.example?x=1");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->target, "/?x=1");
}

TEST(HttpsUrlTest, Ipv6Literal) {
  auto url = ParseHttpsUrl("https://[::1]:9443/jwks");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "::1");
  EXPECT_TRUE(url->host_is_ip);
  EXPECT_EQ(url->Authority(), "[::1]:9443");
}

TEST(HttpsUrlTest, RefusesWhatIsNotASafeHttpsUrl) {
  for (const char* bad : {
           "http://idp.example/jwks",        // clear text
           "idp.example/jwks",               // no scheme
           "https://",                       // no host
           "https://:443/x",                 // no host
           "https://user:pw@idp/jwks",       // user info
           "https://idp.example:0/",         // port 0
           "https://idp.example:65536/",     // port range
           "https://idp.example:12a/",       // port junk
           "https://idp.example:/",          // empty port
           "https://[::1/",                  // unclosed bracket
           "https://[nothex]/",              // bad v6
           "https://idp.exa mple/",          // space
           "https://idp.example/a\r\nX: y",  // header injection
           "https://idp/ex\x7f",             // DEL
           "https://id*p/",                  // bad host char
       }) {
    EXPECT_FALSE(ParseHttpsUrl(bad).ok()) << bad;
  }
}

TEST(HttpsUrlTest, ErrorsDoNotEchoTheQuery) {
  auto url = ParseHttpsUrl("http://idp/x?token=s3cret");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(std::string(url.status().message()).find("s3cret"),
            std::string::npos);
}

}  // namespace
}  // namespace jwtgate::jwks
