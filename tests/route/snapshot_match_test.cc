// Snapshot::Match on loaded configs: host vs no host, longest prefix, `/`
// catch-all, no match, 1,000 routes; plus what the snapshot compiles.
#include <stdlib.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwtgate/route/snapshot.h"
#include "tests/config/config_test_util.h"

namespace jwtgate {
namespace {

using testing_config::LoadOk;
using testing_config::ScratchDir;

constexpr char kRoutes[] =
    "[gateway]\nlisten = 127.0.0.1:8080\n"
    "[upstream a]\nserver = 127.0.0.1:9000\n"
    "[upstream b]\nserver = 127.0.0.1:9001, [::1]:9002\nkeepalive = 4\n"
    "[route all]\npath_prefix = /\nupstream = a\nauth = off\n"
    "[route api]\npath_prefix = /api/\nupstream = a\nauth = off\n"
    "[route api_v2]\npath_prefix = /api/v2/\nupstream = b\nauth = off\n"
    "[route host_api]\nhost = API.example.com\npath_prefix = /api/\n"
    "upstream = b\nauth = off\n"
    "[route host_admin]\nhost = api.example.com\npath_prefix = /admin/\n"
    "upstream = b\nauth = off\n"
    "[route other_host]\nhost = other.example\npath_prefix = /x/\n"
    "upstream = a\nauth = off\n";

std::string Name(const Route* r) { return r == nullptr ? "<none>" : r->name; }

TEST(SnapshotMatchTest, HostRoutesBeatHostlessThenLongestPrefix) {
  ScratchDir dir;
  SnapshotPtr s = LoadOk(dir, kRoutes);
  ASSERT_NE(s, nullptr);
  // No Host / unknown host: host-less routes only.
  EXPECT_EQ(Name(s->Match("", "/")), "all");
  EXPECT_EQ(Name(s->Match("", "/anything")), "all");
  EXPECT_EQ(Name(s->Match("", "/api/users")), "api");
  EXPECT_EQ(Name(s->Match("", "/api/v2/users")), "api_v2");
  EXPECT_EQ(Name(s->Match("unknown.example", "/api/v2/x")), "api_v2");
  // The host's routes win, whatever the host-less prefix length.
  EXPECT_EQ(Name(s->Match("api.example.com", "/api/v2/users")), "host_api");
  EXPECT_EQ(Name(s->Match("API.EXAMPLE.COM:8443", "/api/")), "host_api");
  EXPECT_EQ(Name(s->Match("api.example.com.", "/admin/x")), "host_admin");
  // No route of the host matches: host-less routes still apply.
  EXPECT_EQ(Name(s->Match("api.example.com", "/other")), "all");
  EXPECT_EQ(Name(s->Match("other.example", "/api/x")), "api");
  EXPECT_EQ(Name(s->Match("other.example", "/x/1")), "other_host");
  // A host route never matches another host.
  EXPECT_EQ(Name(s->Match("", "/admin/x")), "all");
  EXPECT_EQ(Name(s->Match("api.example.com.evil", "/admin/x")), "all");
}

TEST(SnapshotMatchTest, NoCatchAllGivesNoMatch) {
  ScratchDir dir;
  SnapshotPtr s = LoadOk(dir,
                         "[gateway]\nlisten = 127.0.0.1:8080\n"
                         "[upstream a]\nserver = 127.0.0.1:9000\n"
                         "[route api]\npath_prefix = /api/\nupstream = a\n"
                         "auth = off\n"
                         "[route h]\nhost = h.example\npath_prefix = /\n"
                         "upstream = a\nauth = off\n");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->Match("", "/"), nullptr);
  EXPECT_EQ(s->Match("", "/api"), nullptr);
  EXPECT_EQ(s->Match("x.example", "/other"), nullptr);
  EXPECT_EQ(Name(s->Match("h.example", "/other")), "h");
  EXPECT_EQ(Name(s->Match("x", "/api/1")), "api");
}

TEST(SnapshotMatchTest, ThousandRoutes) {
  ScratchDir dir;
  std::string text =
      "[gateway]\nlisten = 127.0.0.1:8080\n"
      "[upstream a]\nserver = 127.0.0.1:9000\n"
      "[route root]\npath_prefix = /\nupstream = a\nauth = off\n";
  // 999 more: services with versions, some bound to hosts.
  for (int i = 0; i < 333; ++i) {
    absl::StrAppend(&text, "[route s", i, "]\npath_prefix = /svc", i,
                    "/\nupstream = a\nauth = off\n");
    absl::StrAppend(&text, "[route s", i, "v2]\npath_prefix = /svc", i,
                    "/v2/\nupstream = a\nauth = off\n");
    absl::StrAppend(&text, "[route h", i, "]\nhost = t", i % 10,
                    ".example\npath_prefix = /svc", i,
                    "/\nupstream = a\nauth = off\n");
  }
  SnapshotPtr s = LoadOk(dir, text);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->routes().size(), 1000u);
  for (int i = 0; i < 333; ++i) {
    const std::string svc = absl::StrCat("/svc", i, "/");
    EXPECT_EQ(Name(s->Match("", svc + "items/7")), absl::StrCat("s", i));
    EXPECT_EQ(Name(s->Match("", svc + "v2/items")), absl::StrCat("s", i, "v2"));
    EXPECT_EQ(
        Name(s->Match(absl::StrCat("T", i % 10, ".example"), svc + "v2/items")),
        absl::StrCat("h", i));
    // /svc1 is not a prefix of /svc12/: byte prefixes end at '/'.
    EXPECT_EQ(Name(s->Match("", absl::StrCat("/svc", i))), "root");
  }
  EXPECT_EQ(Name(s->Match("", "/svc999/x")), "root");
  EXPECT_EQ(Name(s->Match("t1.example", "/svc0/x")), "s0");
}

TEST(SnapshotMatchTest, CompiledValues) {
  ScratchDir dir;
  setenv("JWTGATE_ROUTE_TEST_SECRET",
         "route-test-secret-0123456789-0123456789-0123456789-0123456789-xyz",
         1);
  SnapshotPtr s = LoadOk(
      dir,
      "[gateway]\nlisten = 127.0.0.1:8080, [::1]:8080\nlisten = *:8081\n"
      "shards = 3\nmetrics_listen = 127.0.0.1:9901\naccess_log = /tmp/a.log\n"
      "log_level = debug\nmax_header_bytes = 32k\nmax_body_bytes = 1m\n"
      "client_header_timeout = 250ms\nclient_idle_timeout = 1m30s\n"
      "upstream_connect_timeout = 1s\nupstream_timeout = 5m\n"
      "drain_timeout = 0\ntoken_cache_entries = 0\n"
      "[key one]\nalg = HS256\nsecret_env = JWTGATE_ROUTE_TEST_SECRET\n"
      "[key two]\nalg = HS512\nsecret_env = JWTGATE_ROUTE_TEST_SECRET\n"
      "kid = k2\n"
      "[upstream a]\nserver = 127.0.0.1:9000\n"
      "[upstream b]\nserver = 127.0.0.1:9001\nserver = 127.0.0.1:9002\n"
      "keepalive = 0\n"
      "[route all]\npath_prefix = /\nupstream = b\n"
      "claim_header = email X-Auth-Email\n"
      "[route api]\npath_prefix = /api/\nupstream = a\nkeys = two\n"
      "issuer = https://issuer.example/\nissuer = https://other.example/\n"
      "audience = api\nleeway = 1m\nrequire = scope contains read\n"
      "require = \"https://example.com/roles\" in admin, ops\n"
      "claim_header = org.name X-Org\nclaim_header = sub X-Auth-Email\n"
      "strip_authorization = true\ntoken_cookie = access_token\n");
  ASSERT_NE(s, nullptr);
  const GatewaySettings& g = s->gateway();
  ASSERT_EQ(g.listen.size(), 3u);
  EXPECT_EQ(g.listen[0].ToString(), "127.0.0.1:8080");
  EXPECT_EQ(g.listen[1].ToString(), "[::1]:8080");
  EXPECT_EQ(g.listen[2].ToString(), "0.0.0.0:8081");
  EXPECT_EQ(g.shards, 3);
  ASSERT_TRUE(g.metrics_listen.has_value());
  EXPECT_EQ(g.metrics_listen->ToString(), "127.0.0.1:9901");
  EXPECT_EQ(g.access_log, GatewaySettings::AccessLog::kFile);
  EXPECT_EQ(g.access_log_path, "/tmp/a.log");
  EXPECT_EQ(g.log_level, 3);
  EXPECT_EQ(g.max_header_bytes, 32u * 1024);
  EXPECT_EQ(g.max_body_bytes, 1024u * 1024);
  EXPECT_EQ(g.client_header_timeout_ms, 250u);
  EXPECT_EQ(g.client_idle_timeout_ms, 90'000u);
  EXPECT_EQ(g.upstream_connect_timeout_ms, 1'000u);
  EXPECT_EQ(g.upstream_timeout_ms, 300'000u);
  EXPECT_EQ(g.drain_timeout_ms, 0u);
  EXPECT_EQ(g.token_cache_entries, 0u);

  ASSERT_EQ(s->upstreams().size(), 2u);
  EXPECT_EQ(s->upstreams()[1].id, 1u);
  EXPECT_EQ(s->upstreams()[1].name, "b");
  EXPECT_EQ(s->upstreams()[1].servers.size(), 2u);
  EXPECT_EQ(s->upstreams()[1].keepalive, 0u);
  EXPECT_EQ(s->upstreams()[0].keepalive, 32u);

  ASSERT_EQ(s->routes().size(), 2u);
  const Route& all = s->routes()[0];
  EXPECT_EQ(all.id, 0u);
  EXPECT_EQ(all.upstream_id, 1u);
  EXPECT_TRUE(all.auth_required);
  EXPECT_EQ(all.policy.id, 0u);
  ASSERT_EQ(all.policy.keys.size(), 2u);  // default: every key
  EXPECT_EQ(all.policy.keys[0]->name(), "one");
  EXPECT_EQ(all.policy.keys[1]->name(), "two");
  EXPECT_EQ(all.policy.keys[1]->kid(), "k2");
  EXPECT_EQ(all.policy.leeway_seconds, 0);
  EXPECT_TRUE(all.policy.issuers.empty());
  EXPECT_FALSE(all.strip_authorization);
  EXPECT_EQ(all.token_cookie, "");

  const Route& api = s->routes()[1];
  EXPECT_EQ(api.id, 1u);
  EXPECT_EQ(api.upstream_id, 0u);
  ASSERT_EQ(api.policy.keys.size(), 1u);
  EXPECT_EQ(api.policy.keys[0]->name(), "two");
  EXPECT_EQ(api.policy.issuers,
            (std::vector<std::string>{"https://issuer.example/",
                                      "https://other.example/"}));
  EXPECT_EQ(api.policy.audiences, std::vector<std::string>{"api"});
  EXPECT_EQ(api.policy.leeway_seconds, 60);
  ASSERT_EQ(api.policy.rules.size(), 2u);
  EXPECT_EQ(api.policy.rules[0]->text(), "scope contains read");
  ASSERT_EQ(api.policy.claim_headers.size(), 2u);
  EXPECT_EQ(api.policy.claim_headers[0].header, "X-Org");
  EXPECT_EQ(api.policy.claim_headers[0].claim.segments,
            (std::vector<std::string>{"org", "name"}));
  EXPECT_TRUE(api.strip_authorization);
  EXPECT_EQ(api.token_cookie, "access_token");

  EXPECT_EQ(
      s->reserved_headers(),
      (std::vector<std::string>{"x-auth-email", "x-auth-userid", "x-org"}));
  unsetenv("JWTGATE_ROUTE_TEST_SECRET");
}

TEST(SnapshotMatchTest, DefaultsWhenKeysAbsent) {
  ScratchDir dir;
  SnapshotPtr s = LoadOk(dir,
                         "[gateway]\nlisten = 127.0.0.1:8080\n"
                         "[upstream a]\nserver = 127.0.0.1:9000\n"
                         "[route r]\npath_prefix = /\nupstream = a\n"
                         "auth = off\n");
  ASSERT_NE(s, nullptr);
  const GatewaySettings& g = s->gateway();
  EXPECT_EQ(g.shards, 0);
  EXPECT_FALSE(g.metrics_listen.has_value());
  EXPECT_EQ(g.access_log, GatewaySettings::AccessLog::kStderr);
  EXPECT_EQ(g.log_level, 2);
  EXPECT_EQ(g.max_header_bytes, 16u * 1024);
  EXPECT_EQ(g.max_body_bytes, 0u);
  EXPECT_EQ(g.client_header_timeout_ms, 10'000u);
  EXPECT_EQ(g.client_idle_timeout_ms, 60'000u);
  EXPECT_EQ(g.upstream_connect_timeout_ms, 2'000u);
  EXPECT_EQ(g.upstream_timeout_ms, 30'000u);
  EXPECT_EQ(g.drain_timeout_ms, 10'000u);
  EXPECT_EQ(g.token_cache_entries, 16384u);
  EXPECT_FALSE(s->routes()[0].auth_required);
  EXPECT_TRUE(s->routes()[0].policy.keys.empty());
  EXPECT_EQ(s->reserved_headers(), std::vector<std::string>{"x-auth-userid"});
}

TEST(SnapshotMatchTest, ExampleConfigLoads) {
  setenv("JWT_SECRET", "example-secret-for-the-test-0123456789-0123456789", 1);
  absl::StatusOr<SnapshotPtr> s =
      Snapshot::Load(JWTGATE_SOURCE_DIR "/config/jwtgate.ini");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(Name((*s)->Match("localhost:8080", "/public/x")), "public");
  EXPECT_FALSE((*s)->Match("", "/public/x")->auth_required);
  EXPECT_EQ(Name((*s)->Match("", "/api/x")), "api");
  EXPECT_TRUE((*s)->Match("", "/")->auth_required);
  unsetenv("JWT_SECRET");
  EXPECT_FALSE(Snapshot::Load(JWTGATE_SOURCE_DIR "/config/jwtgate.ini").ok());
}

}  // namespace
}  // namespace jwtgate
