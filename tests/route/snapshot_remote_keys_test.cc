// Snapshot::WithRemoteKeys: the fetched key sets of jwks_url/oidc_issuer
// keys placed into the routes that name them (config order, next to local
// keys), the refresher the shards call, and the loaded snapshot untouched.
#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwtgate/jwt/key.h"
#include "jwtgate/jwt/mint.h"
#include "jwtgate/jwt/verifier.h"
#include "jwtgate/route/snapshot.h"
#include "tests/config/config_test_util.h"
#include "tests/testing/test_keys.h"

namespace jwtgate {
namespace {

using testing_config::LoadOk;
using testing_config::ScratchDir;

constexpr char kSecretVar[] = "JWTGATE_REMOTE_SNAP_SECRET";

constexpr char kConfig[] =
    "[gateway]\nlisten = 127.0.0.1:8080\n"
    "[upstream u]\nserver = 127.0.0.1:9000\n"
    "[key local]\nalg = HS256\nsecret_env = JWTGATE_REMOTE_SNAP_SECRET\n"
    "[key idp]\njwks_url = https://idp.example/jwks.json\n"
    "[key other]\noidc_issuer = https://other.example/\n"
    "[route mixed]\npath_prefix = /mixed/\nupstream = u\nkeys = local, idp\n"
    "[route remote]\npath_prefix = /remote/\nupstream = u\n"
    "keys = other, idp\n"
    "[route plain]\npath_prefix = /plain/\nupstream = u\nkeys = local\n"
    "[route all]\npath_prefix = /\nupstream = u\n";

// Records refetch requests (the shards' side of the KeyRefresher).
class RecordingRefresher : public KeyRefresher {
 public:
  void RequestRefetch(uint32_t id) const override { ids.push_back(id); }
  mutable std::vector<uint32_t> ids;
};

std::vector<jwt::KeyPtr> Jwks(const std::string& name,
                              const std::vector<std::string>& kids,
                              const testing::TestKeyPair& pair) {
  std::string json = R"({"keys":[)";
  for (size_t i = 0; i < kids.size(); ++i) {
    if (i > 0) json += ",";
    json += testing::PublicJwk(pair, kids[i], "RS256");
  }
  json += "]}";
  auto keys = jwt::ParseJwks(name, json);
  EXPECT_TRUE(keys.ok()) << keys.status();
  return keys.ok() ? *keys : std::vector<jwt::KeyPtr>{};
}

// "name/kid" of each key, in order.
std::vector<std::string> Names(const std::vector<jwt::KeyPtr>& keys) {
  std::vector<std::string> out;
  for (const jwt::KeyPtr& k : keys) out.push_back(k->name() + "/" + k->kid());
  return out;
}

class SnapshotRemoteKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv(kSecretVar, "0123456789abcdef0123456789abcdef", 1);
    base_ = LoadOk(dir_, kConfig);
    ASSERT_NE(base_, nullptr);
  }
  void TearDown() override { unsetenv(kSecretVar); }

  const Route& RouteNamed(const Snapshot& s, const std::string& name) {
    for (const Route& r : s.routes()) {
      if (r.name == name) return r;
    }
    ADD_FAILURE() << "no route " << name;
    return s.routes()[0];
  }

  ScratchDir dir_;
  SnapshotPtr base_;
};

TEST_F(SnapshotRemoteKeysTest, LoadedSnapshotListsRemoteSetsWithoutKeys) {
  ASSERT_EQ(base_->remote_key_sets().size(), 2u);
  EXPECT_EQ(base_->remote_key_sets()[0].name, "idp");
  EXPECT_EQ(base_->remote_key_sets()[1].name, "other");
  EXPECT_EQ(Names(RouteNamed(*base_, "mixed").policy.keys),
            std::vector<std::string>{"local/"});
  EXPECT_TRUE(RouteNamed(*base_, "remote").policy.keys.empty());
  EXPECT_EQ(RouteNamed(*base_, "mixed").remote_key_set_ids,
            std::vector<uint32_t>{0});
  EXPECT_EQ(RouteNamed(*base_, "remote").remote_key_set_ids,
            (std::vector<uint32_t>{1, 0}));
  EXPECT_TRUE(RouteNamed(*base_, "plain").remote_key_set_ids.empty());
  EXPECT_EQ(RouteNamed(*base_, "all").remote_key_set_ids,
            (std::vector<uint32_t>{0, 1}));
}

TEST_F(SnapshotRemoteKeysTest, KeysGoToTheRoutesThatNameThemInConfigOrder) {
  auto refresher = std::make_shared<RecordingRefresher>();
  const std::vector<std::vector<jwt::KeyPtr>> sets = {
      Jwks("idp", {"i1", "i2"}, testing::Rsa2048()),
      Jwks("other", {"o1"}, testing::Rsa2048Other())};
  SnapshotPtr s = base_->WithRemoteKeys(sets, refresher);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(Names(RouteNamed(*s, "mixed").policy.keys),
            (std::vector<std::string>{"local/", "idp/i1", "idp/i2"}));
  EXPECT_EQ(Names(RouteNamed(*s, "remote").policy.keys),
            (std::vector<std::string>{"other/o1", "idp/i1", "idp/i2"}));
  EXPECT_EQ(Names(RouteNamed(*s, "plain").policy.keys),
            std::vector<std::string>{"local/"});
  EXPECT_EQ(
      Names(RouteNamed(*s, "all").policy.keys),
      (std::vector<std::string>{"local/", "idp/i1", "idp/i2", "other/o1"}));
  // The local key is the same object (same id) in both snapshots.
  EXPECT_EQ(RouteNamed(*s, "plain").policy.keys[0],
            RouteNamed(*base_, "plain").policy.keys[0]);
  // Routing, settings and upstreams are those of the base.
  EXPECT_EQ(s->Match("", "/remote/x")->name, "remote");
  EXPECT_EQ(s->Match("", "/elsewhere")->name, "all");
  EXPECT_EQ(s->upstreams().size(), 1u);
  EXPECT_EQ(s->gateway().listen, base_->gateway().listen);
  // The base is untouched.
  EXPECT_TRUE(RouteNamed(*base_, "remote").policy.keys.empty());
  EXPECT_EQ(base_->key_refresher(), nullptr);
  // The shards reach the refresher through the snapshot.
  ASSERT_EQ(s->key_refresher(), refresher.get());
  s->key_refresher()->RequestRefetch(1);
  EXPECT_EQ(refresher->ids, std::vector<uint32_t>{1});
}

TEST_F(SnapshotRemoteKeysTest, MissingSetsMeanNoKeysYet) {
  SnapshotPtr s =
      base_->WithRemoteKeys({Jwks("idp", {"i1"}, testing::Rsa2048())}, nullptr);
  EXPECT_EQ(Names(RouteNamed(*s, "remote").policy.keys),
            std::vector<std::string>{"idp/i1"});
  SnapshotPtr none = base_->WithRemoteKeys({}, nullptr);
  EXPECT_TRUE(RouteNamed(*none, "remote").policy.keys.empty());
  EXPECT_EQ(none->key_refresher(), nullptr);
}

// A token signed by the IdP's key verifies on the route of a snapshot with
// the fetched set, and has no key on the loaded one.
TEST_F(SnapshotRemoteKeysTest, TokenVerifiesOnlyWithTheFetchedSet) {
  SnapshotPtr s =
      base_->WithRemoteKeys({Jwks("idp", {"i1"}, testing::Rsa2048())}, nullptr);
  jwt::MintOptions m;
  m.alg = jwt::Alg::kRS256;
  m.private_key_pem = testing::Rsa2048().private_pem;
  m.kid = "i1";
  m.sub = "user";
  m.now_unix = 1'700'000'000;
  m.ttl_seconds = 3600;
  absl::StatusOr<std::string> token = jwt::Mint(m);
  ASSERT_TRUE(token.ok()) << token.status();
  jwt::Verifier verifier(0);
  EXPECT_EQ(
      verifier.Verify(*token, RouteNamed(*s, "remote").policy, m.now_unix + 10)
          .result,
      jwt::AuthResult::kOk);
  EXPECT_EQ(
      verifier
          .Verify(*token, RouteNamed(*base_, "remote").policy, m.now_unix + 10)
          .result,
      jwt::AuthResult::kNoKey);
  EXPECT_EQ(
      verifier.Verify(*token, RouteNamed(*s, "plain").policy, m.now_unix + 10)
          .result,
      jwt::AuthResult::kNoKey);
}

}  // namespace
}  // namespace jwtgate
