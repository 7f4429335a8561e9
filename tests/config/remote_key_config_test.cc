// [key NAME] with jwks_url / oidc_issuer (SPEC §2): what loads, with which
// defaults, and every mistake reported as FILE:LINE: message, together
// with the other mistakes of the same file.
#include <stdlib.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtgate/route/snapshot.h"
#include "tests/config/config_test_util.h"
#include "tests/testing/test_pki.h"

namespace jwtgate {
namespace {

using ::testing::ElementsAre;
using testing_config::LoadOk;
using testing_config::LoadProblems;
using testing_config::ScratchDir;

constexpr char kSecretVar[] = "JWTGATE_REMOTE_CFG_SECRET";

// Lines 1-9; a test's [key] sections start at line 10.
constexpr char kBase[] =
    "[gateway]\n"                                             // 1
    "listen = 127.0.0.1:8080\n"                               // 2
    "[upstream u]\n"                                          // 3
    "server = 127.0.0.1:9000\n"                               // 4
    "[route r]\n"                                             // 5
    "path_prefix = /\n"                                       // 6
    "upstream = u\n"                                          // 7
    "[key local]\n"                                           // 8
    "alg = HS256\nsecret_env = JWTGATE_REMOTE_CFG_SECRET\n";  // 9, 10

class RemoteKeyConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv(kSecretVar, "0123456789abcdef0123456789abcdef", 1);
  }
  void TearDown() override { unsetenv(kSecretVar); }

  // Problems of kBase + `keys` (which starts at line 11).
  std::vector<std::string> Problems(const std::string& keys) {
    return LoadProblems(dir_, std::string(kBase) + keys);
  }

  ScratchDir dir_;
};

TEST_F(RemoteKeyConfigTest, JwksUrlLoadsWithTheSpecDefaults) {
  SnapshotPtr s = LoadOk(
      dir_, std::string(kBase) +
                "[key idp]\n"
                "jwks_url = https://tenant.example/.well-known/jwks.json\n");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->remote_key_sets().size(), 1u);
  const RemoteKeySet& set = s->remote_key_sets()[0];
  EXPECT_EQ(set.id, 0u);
  EXPECT_EQ(set.name, "idp");
  EXPECT_EQ(set.jwks_url, "https://tenant.example/.well-known/jwks.json");
  EXPECT_EQ(set.oidc_issuer, "");
  EXPECT_EQ(set.refresh_ms, 10 * 60 * 1000);
  EXPECT_EQ(set.min_refetch_ms, 30 * 1000);
  EXPECT_EQ(set.ca_file, "");
}

TEST_F(RemoteKeyConfigTest, IssuerTimingAndRelativeCaFile) {
  const std::string ca = dir_.Write(
      "idp-ca.pem", testing::CertPem(testing::TestPki::Get().ca.cert.get()));
  SnapshotPtr s = LoadOk(dir_, std::string(kBase) +
                                   "[key auth0]\n"
                                   "oidc_issuer = https://tenant.example/\n"
                                   "jwks_refresh = 5m\n"
                                   "jwks_min_refetch = 250ms\n"
                                   "ca_file = idp-ca.pem\n"
                                   "[key short]\n"
                                   "jwks_url = https://b.example/jwks\n"
                                   "jwks_refresh = 2s\n");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->remote_key_sets().size(), 2u);
  const RemoteKeySet& a = s->remote_key_sets()[0];
  EXPECT_EQ(a.oidc_issuer, "https://tenant.example/");
  EXPECT_EQ(a.jwks_url, "");
  EXPECT_EQ(a.refresh_ms, 300'000);
  EXPECT_EQ(a.min_refetch_ms, 250);
  EXPECT_EQ(a.ca_file, ca);
  // Without jwks_min_refetch, the 30s default never exceeds the refresh.
  const RemoteKeySet& b = s->remote_key_sets()[1];
  EXPECT_EQ(b.id, 1u);
  EXPECT_EQ(b.refresh_ms, 2000);
  EXPECT_EQ(b.min_refetch_ms, 2000);
}

TEST_F(RemoteKeyConfigTest, UrlMistakes) {
  EXPECT_THAT(
      Problems("[key a]\njwks_url = http://tenant.example/jwks.json\n"
               "[key b]\njwks_url = https:///jwks.json\n"
               "[key c]\noidc_issuer = tenant.example\n"
               "[key d]\noidc_issuer = https://tenant.example/?x=1\n"),
      ElementsAre("t.ini:12: jwks_url: invalid https URL: must start with "
                  "https:// (keys are never fetched in the clear)",
                  "t.ini:14: jwks_url: invalid https URL: no host",
                  "t.ini:16: oidc_issuer: invalid https URL: must start with "
                  "https:// (keys are never fetched in the clear)",
                  "t.ini:18: oidc_issuer: an issuer URL has no query or "
                  "fragment (OpenID Connect Discovery §2)"));
}

TEST_F(RemoteKeyConfigTest, OneSourceOnly) {
  EXPECT_THAT(
      Problems("[key both]\n"
               "jwks_url = https://tenant.example/jwks.json\n"
               "oidc_issuer = https://tenant.example/\n"
               "[key mixed]\n"
               "jwks_url = https://tenant.example/jwks.json\n"
               "jwks_file = keys.json\n"),
      ElementsAre("t.ini:13: oidc_issuer: [key both] already has a source "
                  "(jwks_url at line 12); keep one",
                  "t.ini:16: jwks_file: [key mixed] already has a source "
                  "(jwks_url at line 15); keep one"));
}

TEST_F(RemoteKeyConfigTest, SettingsThatDoNotApply) {
  EXPECT_THAT(
      Problems("[key idp]\n"
               "jwks_url = https://tenant.example/jwks.json\n"
               "alg = RS256\n"
               "kid = k1\n"
               "secret_encoding = base64\n"
               "[key hs]\n"
               "alg = HS256\n"
               "secret_env = JWTGATE_REMOTE_CFG_SECRET\n"
               "jwks_refresh = 1m\n"
               "ca_file = ca.pem\n"),
      ElementsAre(
          "t.ini:13: alg: does not apply to jwks_url (each JWK names its own "
          "alg)",
          "t.ini:14: kid: does not apply to jwks_url (each JWK has its own "
          "kid)",
          "t.ini:15: secret_encoding: applies only to secret_env, "
          "secret_file and secret_credential",
          "t.ini:19: jwks_refresh: applies only to jwks_url and oidc_issuer, "
          "not to secret_env",
          "t.ini:20: ca_file: applies only to jwks_url and oidc_issuer, not "
          "to secret_env"));
}

TEST_F(RemoteKeyConfigTest, TimingMistakes) {
  EXPECT_THAT(
      Problems("[key a]\njwks_url = https://a.example/j\n"
               "jwks_refresh = 10 parsecs\n"
               "[key b]\njwks_url = https://b.example/j\n"
               "jwks_refresh = 50ms\njwks_min_refetch = 8d\n"
               "[key c]\njwks_url = https://c.example/j\n"
               "jwks_refresh = 1m\njwks_min_refetch = 2m\n"
               "[key d]\njwks_url = https://d.example/j\n"
               "jwks_min_refetch = 11m\n"),
      ElementsAre(
          "t.ini:13: jwks_refresh: expected a duration like 250ms, 10s, 5m "
          "or 1h, got '10 parsecs'",
          "t.ini:16: jwks_refresh: '50ms' is out of range 100ms-7d",
          "t.ini:17: jwks_min_refetch: '8d' is out of range 100ms-7d",
          "t.ini:21: jwks_min_refetch: '2m' is longer than jwks_refresh "
          "(1m); an early refetch cannot wait longer than the regular one",
          "t.ini:24: jwks_min_refetch: '11m' is longer than jwks_refresh "
          "(10m); an early refetch cannot wait longer than the regular one"));
}

TEST_F(RemoteKeyConfigTest, CaFileMustLoad) {
  dir_.Write("garbage.pem", "not a certificate\n");
  EXPECT_THAT(
      Problems("[key a]\njwks_url = https://a.example/j\n"
               "ca_file = missing.pem\n"
               "[key b]\njwks_url = https://b.example/j\n"
               "ca_file = garbage.pem\n"
               "[route late]\npath_prefix = /late/\nupstream = nope\n"),
      ElementsAre("t.ini:13: ca_file: cannot read " + dir_.path() +
                      "/missing.pem: No such file or directory",
                  "t.ini:16: ca_file: " + dir_.path() +
                      "/garbage.pem holds no PEM CA certificate OpenSSL can "
                      "load",
                  "t.ini:19: upstream: 'nope' is not defined (no [upstream "
                  "nope] section)"));
}

TEST_F(RemoteKeyConfigTest, RoutesNameRemoteKeysLikeOthers) {
  SnapshotPtr s = LoadOk(dir_, std::string(kBase) +
                                   "[key idp]\n"
                                   "jwks_url = https://a.example/j\n"
                                   "[route only_idp]\n"
                                   "path_prefix = /idp/\n"
                                   "upstream = u\n"
                                   "keys = idp\n");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->routes().size(), 2u);
  // Route r has no `keys =`: every key, the remote one included.
  const Route& all = s->routes()[0];
  EXPECT_EQ(all.remote_key_set_ids, std::vector<uint32_t>{0});
  ASSERT_EQ(all.policy.keys.size(), 1u);
  EXPECT_EQ(all.policy.keys[0]->name(), "local");
  // Nothing fetched yet: a route with only remote keys has no key.
  const Route& idp = s->routes()[1];
  EXPECT_EQ(idp.remote_key_set_ids, std::vector<uint32_t>{0});
  EXPECT_TRUE(idp.policy.keys.empty());
  EXPECT_EQ(s->key_refresher(), nullptr);
  // A remote key that does not load is still a defined name.
  EXPECT_THAT(LoadProblems(dir_, std::string(kBase) +
                                     "[key idp]\njwks_url = ftp://a/j\n"
                                     "[route x]\npath_prefix = /x/\n"
                                     "upstream = u\nkeys = idp\n"),
              ElementsAre("t.ini:12: jwks_url: invalid https URL: must start "
                          "with https:// (keys are never fetched in the "
                          "clear)"));
}

}  // namespace
}  // namespace jwtgate
