// Remote keys around start-up and reload, against the real jwtgate and a
// local HTTPS IdP: OIDC discovery (oidc_issuer → jwks_uri), starting while
// the IdP is down (401 and a log line, then keys once it answers), an
// untrusted IdP certificate or one for another host refused, SIGHUP keeping the
// fetched keys, and the jwtgate_jwks_* series in a scrape that passes `promtool
// check metrics`.
#include <signal.h>

#include <chrono>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/remote_keys_util.h"

namespace jwtgate::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kDiscoveryPath[] = "/tenant/.well-known/openid-configuration";

// The Auth0 shape: oidc_issuer with a trailing '/', RS256, issuer checked.
TEST_F(RemoteKeysTest, OidcDiscoveryIsFollowedToTheJwks) {
  Publish({{"k1", &Rsa2048()}});
  RemoteKeyOptions o;
  o.use_issuer = true;
  o.check_issuer = true;
  ASSERT_NO_FATAL_FAILURE(StartWithIdp(o));
  EXPECT_EQ(idp().hits(kDiscoveryPath), 1);
  EXPECT_EQ(idp().hits(kJwksPath), 1);
  EXPECT_EQ(StatusWith(TokenFor(Rsa2048(), "k1", Issuer())), 200);
  EXPECT_EQ(StatusWith(TokenFor(Rsa2048(), "k1", "https://elsewhere/")), 401);
  EXPECT_TRUE(LogHas(absl::StrCat("first key set from ", idp().Url(kJwksPath))))
      << GatewayLog();
}

TEST_F(RemoteKeysTest, StartsWhileTheIdpIsDownAndCatchesUp) {
  TestHttpsServer::Reply down;
  down.status = 503;
  idp().SetReply(kJwksPath, down);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(StartWithIdp());
  // The failed first fetch ended the start-up wait at once.
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
  EXPECT_TRUE(LogHas("no remote keys yet for: idp (key idp: ")) << GatewayLog();
  EXPECT_TRUE(LogHas("tokens for these keys are refused until a fetch"));
  const std::string k1 = TokenFor(Rsa2048(), "k1");
  EXPECT_TRUE(IsGatewayAnswer(GetWithToken("/idp/echo", k1), 401));
  ASSERT_OK_AND_ASSIGN(MetricsScrape m, ScrapeMetrics(metrics_port()));
  EXPECT_EQ(m.Get("jwtgate_jwks_keys", {{"key", "idp"}}), 0);
  EXPECT_GE(
      m.Get("jwtgate_jwks_fetch_total", {{"key", "idp"}, {"result", "error"}}),
      1);
  EXPECT_FALSE(m.Find("jwtgate_jwks_key_set_age_seconds", {{"key", "idp"}}));

  Publish({{"k1", &Rsa2048()}});  // the retries (backoff) pick it up
  ASSERT_TRUE(Eventually([&] { return StatusWith(k1) == 200; }, seconds(10),
                         milliseconds(50)))
      << GatewayLog();
}

TEST_F(RemoteKeysTest, UntrustedIdpCertificateIsRefusedAndLogged) {
  Publish({{"k1", &Rsa2048()}});
  // A CA file holding a certificate that did not sign the IdP's.
  const std::string other_ca =
      WriteTempFile("other_ca", CertPem(TestPki::Get().self_signed.cert.get()));
  RemoteKeyOptions o;
  o.ca_file = other_ca;
  ASSERT_NO_FATAL_FAILURE(StartWithIdp(o));
  EXPECT_EQ(StatusWith(TokenFor(Rsa2048(), "k1")), 401);
  EXPECT_EQ(idp().hits(kJwksPath), 0);  // no request over that connection
  EXPECT_TRUE(LogHas("certificate")) << GatewayLog();
  EXPECT_GE(Fetches("error"), 1);
}

// The IdP's certificate is trusted but names another host than the URL's.
TEST_F(RemoteKeysTest, IdpCertificateForAnotherHostIsRefused) {
  TestHttpsServer impostor(TestPki::Get().wrong_name);
  impostor.SetJson(
      kJwksPath,
      absl::StrCat(R"({"keys":[)", PublicJwk(Rsa2048(), "k1", "RS256"), "]}"));
  GatewayConfig config;
  config.extra_sections =
      absl::StrCat("[key idp]\njwks_url = ", impostor.Url(kJwksPath),
                   "\nca_file = ", TestPki::Get().ca_file,
                   "\n[route idp]\npath_prefix = /idp/\nupstream = backend\n"
                   "keys = idp\n");
  ASSERT_NO_FATAL_FAILURE(StartGateway(config));
  EXPECT_EQ(StatusWith(TokenFor(Rsa2048(), "k1")), 401);
  EXPECT_EQ(impostor.hits(kJwksPath), 0);
  EXPECT_TRUE(LogHas("jwks: key idp: ")) << GatewayLog();
  EXPECT_TRUE(LogHas("mismatch")) << GatewayLog();
}

// SIGHUP with the key unchanged: the keys carry over, so the reload does
// not wait for the IdP (which hangs now) and tokens keep passing.
TEST_F(RemoteKeysTest, ReloadKeepsTheFetchedKeys) {
  Publish({{"k1", &Rsa2048()}});
  ASSERT_NO_FATAL_FAILURE(StartWithIdp());
  const std::string k1 = TokenFor(Rsa2048(), "k1");
  ASSERT_EQ(StatusWith(k1), 200);
  TestHttpsServer::Reply hang;
  hang.hang = true;
  idp().SetReply(kJwksPath, hang);

  const auto sent = std::chrono::steady_clock::now();
  gateway().Signal(SIGHUP);
  ASSERT_TRUE(WaitForReloadCount(metrics_port(), "ok", 1, seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - sent, seconds(3));
  EXPECT_EQ(StatusWith(k1), 200);
  EXPECT_EQ(StatusWith(TokenFor(Rsa2048(), "k1")), 200);  // not cached
  // The counters carried over too.
  EXPECT_GE(Fetches("ok"), 1);
}

TEST_F(RemoteKeysTest, ScrapeHasJwksSeriesAndPassesPromtool) {
  Publish({{"k1", &Rsa2048()}});
  ASSERT_NO_FATAL_FAILURE(StartWithIdp());
  ASSERT_EQ(StatusWith(TokenFor(Rsa2048(), "k1")), 200);
  ASSERT_OK_AND_ASSIGN(HttpResponse r, MetricsGet(metrics_port(), "/metrics"));
  ASSERT_EQ(r.status, 200);
  ASSERT_OK_AND_ASSIGN(MetricsScrape m, MetricsScrape::Parse(r.body));
  EXPECT_EQ(
      m.Get("jwtgate_jwks_fetch_total", {{"key", "idp"}, {"result", "ok"}}), 1);
  EXPECT_EQ(
      m.Get("jwtgate_jwks_fetch_total", {{"key", "idp"}, {"result", "error"}}),
      0);
  EXPECT_EQ(m.Get("jwtgate_jwks_keys", {{"key", "idp"}}), 1);
  std::optional<double> age =
      m.Find("jwtgate_jwks_key_set_age_seconds", {{"key", "idp"}});
  ASSERT_TRUE(age.has_value()) << r.body;
  EXPECT_GE(*age, 0);
  EXPECT_LT(*age, 60);

  EXPECT_TRUE(PromtoolAccepts(r.body, temp_dir()));
}

}  // namespace
}  // namespace jwtgate::testing
