// File: tests/integration/remote_keys_util.h
//
// Fixture of the remote-key integration tests (remote_keys_*_test.cc): the
// real jwtgate and test upstream (GatewayFixture) plus a local HTTPS IdP on
// 127.0.0.1 (tests/testing/test_https_server.h) whose certificate chains to
// a CA made at test time; the gateway trusts it through `ca_file`. Tokens
// are RS256, minted at test time with the test RSA keys; the IdP publishes
// their public JWKs under chosen kids. Header-only: the suite compiles only
// *_test.cc files.
//
// Thread rule: used from the test's thread (the IdP runs its own).
#ifndef JWTGATE_TESTS_INTEGRATION_REMOTE_KEYS_UTIL_H_
#define JWTGATE_TESTS_INTEGRATION_REMOTE_KEYS_UTIL_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwtgate/common/base64url.h"
#include "jwtgate/jwt/mint.h"
#include "tests/integration/integration_util.h"
#include "tests/integration/lifecycle_util.h"
#include "tests/testing/test_https_server.h"
#include "tests/testing/test_keys.h"
#include "tests/testing/test_pki.h"

namespace jwtgate::testing {

inline constexpr char kJwksPath[] = "/.well-known/jwks.json";

// A published key: its kid and the pair whose private half signs tokens.
struct IdpKey {
  std::string kid;
  const TestKeyPair* pair;
};

// Settings of the [key idp] section and its route (/idp/, keys = idp).
struct RemoteKeyOptions {
  std::string refresh = "1h";
  std::string min_refetch = "200ms";
  bool use_issuer = false;    // oidc_issuer = IdP origin + /tenant/
  bool check_issuer = false;  // route: issuer = that issuer
  std::string ca_file;        // default: the test CA
};

class RemoteKeysTest : public GatewayFixture {
 protected:
  // The issuer URL the IdP answers discovery for (trailing '/', as Auth0).
  std::string Issuer() const { return idp().Url("/tenant/"); }
  TestHttpsServer& idp() const { return *idp_; }
  // Stops the IdP: its port then refuses connections.
  void StopIdp() { idp_.reset(); }

  // Serves `keys` as the JWKS (and the discovery document pointing to it).
  void Publish(const std::vector<IdpKey>& keys) {
    std::string json = R"({"keys":[)";
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i > 0) json += ",";
      json += PublicJwk(*keys[i].pair, keys[i].kid, "RS256");
    }
    json += "]}";
    idp().SetJson(kJwksPath, json);
    idp().SetJson("/tenant/.well-known/openid-configuration",
                  absl::StrCat(R"({"issuer":")", Issuer(), R"(","jwks_uri":")",
                               idp().Url(kJwksPath),
                               R"(","id_token_signing_alg_values_supported":)"
                               R"(["RS256"]})"));
  }

  // The [key idp] section and the /idp/ route that uses only it.
  std::string Sections(const RemoteKeyOptions& o) const {
    const std::string source =
        o.use_issuer ? absl::StrCat("oidc_issuer = ", Issuer())
                     : absl::StrCat("jwks_url = ", idp().Url(kJwksPath));
    return absl::StrCat(
        "[key idp]\n", source, "\njwks_refresh = ", o.refresh,
        "\njwks_min_refetch = ", o.min_refetch,
        "\nca_file = ", o.ca_file.empty() ? TestPki::Get().ca_file : o.ca_file,
        "\n\n[route idp]\npath_prefix = /idp/\nupstream = backend\n"
        "auth = required\nkeys = idp\n",
        o.check_issuer ? absl::StrCat("issuer = ", Issuer(), "\n") : "");
  }

  void StartWithIdp(const RemoteKeyOptions& o = {}, GatewayConfig config = {}) {
    config.extra_sections += Sections(o);
    ASSERT_NO_FATAL_FAILURE(StartGateway(config));
  }

  // An RS256 token with `kid`, signed by `pair`; `iss` when not empty.
  std::string TokenFor(const TestKeyPair& pair, std::string_view kid,
                       std::string iss = "") const {
    jwt::MintOptions m;
    m.alg = jwt::Alg::kRS256;
    m.private_key_pem = pair.private_pem;
    m.kid = std::string(kid);
    m.sub = kItSubject;
    if (!iss.empty()) m.iss = std::move(iss);
    m.now_unix = Now();
    m.ttl_seconds = 3600;
    m.claims_json.push_back({"jti", absl::StrCat("\"", ++minted_, "\"")});
    return Mint(m);
  }

  // `token` with its header's kid replaced: the signature no longer fits,
  // which does not matter for a kid no key has (checked first).
  static std::string WithKid(std::string_view token, std::string_view kid) {
    const std::string header = Base64UrlEncode(absl::StrCat(
        R"({"alg":"RS256","typ":"JWT","kid":")", std::string(kid), R"("})"));
    return absl::StrCat(header, std::string(token.substr(token.find('.'))));
  }

  // Status of GET /idp/echo with `token` on a fresh connection (0: none).
  int StatusWith(const std::string& token) {
    absl::StatusOr<HttpResponse> r = GetWithToken("/idp/echo", token);
    return r.ok() ? r->status : 0;
  }

  // jwtgate_jwks_fetch_total{key="idp",result=`result`} (-1: no scrape).
  double Fetches(std::string_view result) {
    absl::StatusOr<MetricsScrape> m = ScrapeMetrics(metrics_port());
    if (!m.ok()) return -1;
    return m->Get("jwtgate_jwks_fetch_total",
                  {{"key", "idp"}, {"result", std::string(result)}});
  }

  bool LogHas(std::string_view text) const {
    return GatewayLog().find(text) != std::string::npos;
  }

 private:
  // Mutable: the IdP is set up from const helpers; it is thread-safe.
  mutable std::optional<TestHttpsServer> idp_{std::in_place,
                                              TestPki::Get().server};
  mutable int minted_ = 0;
};

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_INTEGRATION_REMOTE_KEYS_UTIL_H_
