// JwksFetcher refusing what it must not trust: bad certificates and host
// names, malformed or oversized documents, a discovery document for another
// issuer, bad source configs. The old key set always stays.
#include <chrono>

#include "fetcher_fixture.h"
#include "gtest/gtest.h"
#include "jwks/text.h"
#include "jwtgate/jwks/jwks_fetcher.h"

namespace jwtgate::jwks {
namespace {

using namespace std::chrono_literals;
using testing::Deliveries;
using testing::JwksFetcherTest;
using testing::JwksJson;
using testing::Kids;
using testing::TestHttpsServer;
using testing::TestPki;
using testing::WaitUntil;

TEST_F(JwksFetcherTest, BadCertificateIsRefusedWithAClearError) {
  TestHttpsServer rogue(TestPki::Get().self_signed);
  rogue.SetJson(kPath, JwksJson({Jwk(keys_.ed1, "ed-1")}));
  RemoteKeySourceConfig source = Source();
  source.jwks_url = rogue.Url(kPath);
  auto fetcher = Start(source, Options());
  ASSERT_TRUE(WaitUntil([&] { return fetcher->stats(0).fetch_error >= 1; }));
  absl::Status first = fetcher->WaitForFirst(absl::Milliseconds(50));
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(ToStd(first.message()).find("idp ("), std::string_view::npos)
      << first;
  EXPECT_NE(ToStd(first.message()).find("certificate"), std::string_view::npos)
      << first;
  EXPECT_EQ(rogue.hits(kPath), 0);
  EXPECT_EQ(deliveries_.count(), 0u);
  EXPECT_TRUE(fetcher->CurrentKeys(0).empty());
}

TEST_F(JwksFetcherTest, WrongHostNameIsRefused) {
  TestHttpsServer other(TestPki::Get().wrong_name);
  other.SetJson(kPath, JwksJson({Jwk(keys_.ed1, "ed-1")}));
  RemoteKeySourceConfig source = Source();
  source.jwks_url = Cat("https://localhost:", other.port(), kPath);
  JwksFetcherOptions options = Options();
  options.connect_to = "127.0.0.1";
  auto fetcher = Start(source, options);
  ASSERT_TRUE(WaitUntil([&] { return fetcher->stats(0).fetch_error >= 1; }));
  absl::Status first = fetcher->WaitForFirst(absl::ZeroDuration());
  EXPECT_FALSE(first.ok());
  EXPECT_NE(ToStd(first.message()).find("ostname mismatch"),
            std::string_view::npos)
      << first;
  EXPECT_EQ(other.hits(kPath), 0);
  EXPECT_EQ(deliveries_.count(), 0u);
}

TEST_F(JwksFetcherTest, MalformedOrHugeJwksIsRefusedAndTheOldSetKept) {
  Publish({Jwk(keys_.ed1, "ed-1")});
  auto fetcher = Start(Source(), Options());
  ASSERT_TRUE(deliveries_.WaitFor(1));
  const auto good = fetcher->CurrentKeys(0);

  const std::string big_jwks =
      Cat(R"({"keys":[)", Jwk(keys_.ed2, "ed-2"), R"(],"padding":")",
          std::string(1024 * 1024, 'p'), R"("})");
  const std::vector<std::string> bad_documents = {
      R"({"keys":[)",                                    // truncated JSON
      R"({"keys":[{"kty":"RSA","kid":"x","n":"!!"}]})",  // bad key
      R"({"nokeys":[]})",                                // not a JWKS
      big_jwks,                                          // over 1 MiB
  };
  uint64_t errors = 0;
  for (const std::string& doc : bad_documents) {
    idp_.SetJson(kPath, doc);
    fetcher->RequestRefetch(0);
    ++errors;
    ASSERT_TRUE(WaitUntil([&] {
      return fetcher->stats(0).fetch_error >= errors;
    })) << doc.substr(0, 40);
  }
  EXPECT_EQ(deliveries_.count(), 1u);
  EXPECT_EQ(fetcher->CurrentKeys(0), good);
  EXPECT_EQ(fetcher->stats(0).fetch_ok, 1u);
}

TEST_F(JwksFetcherTest, DiscoveryDocumentLeadsToJwksUri) {
  const std::string issuer = idp_.Url("/tenant/");
  idp_.SetJson("/tenant/.well-known/openid-configuration",
               Cat(R"({"issuer":")", issuer, R"(","jwks_uri":")",
                   idp_.Url("/keys/certs"),
                   R"(","response_types_supported":["code"]})"));
  idp_.SetJson("/keys/certs", JwksJson({Jwk(keys_.rsa, "rsa-1")}));
  RemoteKeySourceConfig source = Source();
  source.jwks_url.clear();
  source.oidc_issuer = issuer;
  auto fetcher = Start(source, Options());
  ASSERT_TRUE(fetcher->WaitForFirst(absl::Seconds(10)).ok());
  ASSERT_TRUE(deliveries_.WaitFor(1));
  EXPECT_EQ(Kids(deliveries_.set(0)), std::vector<std::string>{"rsa-1"});
  EXPECT_EQ(idp_.hits("/tenant/.well-known/openid-configuration"), 1);
  EXPECT_EQ(idp_.hits("/keys/certs"), 1);

  // A refetch reuses the discovered jwks_uri.
  fetcher->RequestRefetch(0);
  ASSERT_TRUE(idp_.WaitForHits("/keys/certs", 2, 10s));
  EXPECT_EQ(idp_.hits("/tenant/.well-known/openid-configuration"), 1);
}

TEST_F(JwksFetcherTest, DiscoveryWithAnotherIssuerIsRefused) {
  const std::string issuer = idp_.Url("/tenant/");
  idp_.SetJson("/tenant/.well-known/openid-configuration",
               Cat(R"({"issuer":"https://evil.example/","jwks_uri":")",
                   idp_.Url("/keys/certs"), R"("})"));
  idp_.SetJson("/keys/certs", JwksJson({Jwk(keys_.ed1, "ed-1")}));
  RemoteKeySourceConfig source = Source();
  source.jwks_url.clear();
  source.oidc_issuer = issuer;
  auto fetcher = Start(source, Options());
  ASSERT_TRUE(WaitUntil([&] { return fetcher->stats(0).fetch_error >= 1; }));
  absl::Status first = fetcher->WaitForFirst(absl::ZeroDuration());
  EXPECT_FALSE(first.ok());
  EXPECT_NE(ToStd(first.message()).find("OIDC discovery"),
            std::string_view::npos)
      << first;
  EXPECT_EQ(idp_.hits("/keys/certs"), 0);
}

TEST(JwksFetcherCreateTest, RefusesBadSourceConfigs) {
  auto make = [](RemoteKeySourceConfig c) {
    std::vector<RemoteKeySourceConfig> v = {std::move(c)};
    return JwksFetcher::Create(std::move(v), {}).status();
  };
  RemoteKeySourceConfig ok;
  ok.name = "idp";
  ok.jwks_url = "https://idp.example/jwks.json";
  EXPECT_TRUE(make(ok).ok());

  RemoteKeySourceConfig both = ok;
  both.oidc_issuer = "https://idp.example/";
  EXPECT_NE(ToStd(make(both).message()).find("exactly one"),
            std::string_view::npos);
  RemoteKeySourceConfig none = ok;
  none.jwks_url.clear();
  EXPECT_FALSE(make(none).ok());
  RemoteKeySourceConfig http = ok;
  http.jwks_url = "http://idp.example/jwks.json";
  EXPECT_NE(ToStd(make(http).message()).find("key idp: jwks_url"),
            std::string_view::npos)
      << make(http);
  RemoteKeySourceConfig bad_issuer = ok;
  bad_issuer.jwks_url.clear();
  bad_issuer.oidc_issuer = "idp.example";
  EXPECT_FALSE(make(bad_issuer).ok());
  RemoteKeySourceConfig intervals = ok;
  intervals.min_refetch = absl::Minutes(20);
  EXPECT_FALSE(make(intervals).ok());
  RemoteKeySourceConfig zero = ok;
  zero.min_refetch = absl::ZeroDuration();
  EXPECT_FALSE(make(zero).ok());
  RemoteKeySourceConfig no_ca = ok;
  no_ca.ca_file = "/nonexistent/idp-ca.pem";
  EXPECT_NE(ToStd(make(no_ca).message()).find("/nonexistent/idp-ca.pem"),
            std::string_view::npos);
  RemoteKeySourceConfig unnamed = ok;
  unnamed.name.clear();
  EXPECT_FALSE(make(unnamed).ok());

  std::vector<RemoteKeySourceConfig> twice = {ok, ok};
  EXPECT_NE(ToStd(JwksFetcher::Create(twice, {}).status().message())
                .find("defined twice"),
            std::string_view::npos);
}

TEST(JwksFetcherCreateTest, RefetchOnUnknownIndexIsIgnored) {
  auto fetcher = JwksFetcher::Create({}, {});
  ASSERT_TRUE(fetcher.ok());
  (*fetcher)->RequestRefetch(-1);
  (*fetcher)->RequestRefetch(3);
  (*fetcher)->RequestRefetch("nope");
  EXPECT_TRUE((*fetcher)->CurrentKeys(0).empty());
  EXPECT_TRUE((*fetcher)->WaitForFirst(absl::ZeroDuration()).ok());
  EXPECT_EQ((*fetcher)->RenderPrometheus(0), "");
}

}  // namespace
}  // namespace jwtgate::jwks
