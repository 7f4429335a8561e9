// File: jwtgate/route/snapshot.h
//
// The immutable, validated form of a config file that shards run on:
// gateway settings, upstreams, routes with compiled policies, loaded keys.
// Built off the shards (start-up, SIGHUP), then shared read-only through
// shared_ptr<const Snapshot>; a shard keeps the snapshot a request started
// with until that request ends. Lookups on the request path use ids and
// precomputed tables, never names.
#ifndef JWTGATE_ROUTE_SNAPSHOT_H_
#define JWTGATE_ROUTE_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "jwtgate/common/socket_address.h"
#include "jwtgate/jwt/policy.h"

namespace jwtgate {

struct GatewaySettings {
  std::vector<SocketAddress> listen;
  int shards = 0;  // 0 = auto (one per online CPU)
  std::optional<SocketAddress> metrics_listen;
  enum class AccessLog { kOff, kStderr, kFile } access_log = AccessLog::kStderr;
  std::string access_log_path;  // when kFile
  int log_level = 2;            // LogLevel: 0 error .. 3 debug
  uint32_t max_header_bytes = 16 * 1024;
  uint64_t max_body_bytes = 0;  // 0 = unlimited
  uint32_t client_header_timeout_ms = 10'000;
  uint32_t client_idle_timeout_ms = 60'000;
  uint32_t upstream_connect_timeout_ms = 2'000;
  uint32_t upstream_timeout_ms = 30'000;
  uint32_t drain_timeout_ms = 10'000;
  uint32_t token_cache_entries = 16384;
};

struct Upstream {
  uint32_t id = 0;  // index in Snapshot::upstreams()
  std::string name;
  std::vector<SocketAddress> servers;  // round robin
  uint32_t keepalive = 32;             // idle connections kept per shard
};

// A [key NAME] whose keys an IdP publishes (jwks_url / oidc_issuer). The
// Snapshot holds where to fetch them; the gateway's fetcher fetches them
// and makes Snapshots that hold them (WithRemoteKeys).
struct RemoteKeySet {
  uint32_t id = 0;  // index in Snapshot::remote_key_sets()
  std::string name;
  std::string jwks_url;     // or
  std::string oidc_issuer;  // (exactly one is set)
  int64_t refresh_ms = 0;
  int64_t min_refetch_ms = 0;
  std::string ca_file;  // empty: the system CA store

  bool operator==(const RemoteKeySet&) const = default;
};

// Asks for an early refetch of a remote key set, when a token names a kid
// that none of its route's keys has. Implemented by the gateway over its
// JWKS fetcher (which bounds the fetches); called from shard threads on
// the request path, so it must not block, lock or allocate.
class KeyRefresher {
 public:
  virtual ~KeyRefresher() = default;
  virtual void RequestRefetch(uint32_t remote_key_set_id) const = 0;
};

struct Route {
  uint32_t id = 0;  // index in Snapshot::routes()
  std::string name;
  std::string host;         // lower-case; empty matches any Host
  std::string path_prefix;  // e.g. "/api/"
  uint32_t upstream_id = 0;
  bool auth_required = true;
  jwt::Policy policy;  // policy.id == id
  bool strip_authorization = false;
  std::string token_cookie;  // empty: cookie not consulted
  // Ids of the remote key sets among the route's keys (refetched when a
  // token's kid is not found).
  std::vector<uint32_t> remote_key_set_ids;
};

struct RouteKeyPlan;  // src/route/snapshot_internal.h

class Snapshot {
 public:
  // Parses, validates and loads `path` and every key it names. On failure
  // the status message holds one `FILE:LINE: message` line per problem
  // (newline-separated), all of them, never a secret value.
  static absl::StatusOr<std::shared_ptr<const Snapshot>> Load(
      const std::string& path);

  const GatewaySettings& gateway() const { return gateway_; }
  const std::vector<Upstream>& upstreams() const { return upstreams_; }
  const std::vector<Route>& routes() const { return routes_; }
  // Config order. A Snapshot from Load has none of their keys yet.
  const std::vector<RemoteKeySet>& remote_key_sets() const {
    return remote_key_sets_;
  }

  // A copy of this snapshot whose routes hold, for each remote key set i,
  // the keys `sets[i]` (missing or empty: none yet, so tokens for it are
  // refused), next to their local keys in config order; and whose
  // key_refresher() is `refresher` (may be null). Off the shards.
  std::shared_ptr<const Snapshot> WithRemoteKeys(
      const std::vector<std::vector<jwt::KeyPtr>>& sets,
      std::shared_ptr<const KeyRefresher> refresher) const;
  // Null unless set by WithRemoteKeys.
  const KeyRefresher* key_refresher() const { return refresher_.get(); }

  // Route for a request: routes whose host equals `host` (case-insensitive,
  // port stripped) beat host-less routes; then the longest path_prefix that
  // prefixes `normalized_path`. nullptr when none matches.
  const Route* Match(std::string_view host,
                     std::string_view normalized_path) const;

  // Lower-case names of every configured claim header (over all routes) plus
  // "x-auth-userid": the headers removed from every client request.
  const std::vector<std::string>& reserved_headers() const {
    return reserved_headers_;
  }

  ~Snapshot();

 private:
  friend class SnapshotBuilder;
  Snapshot();
  Snapshot(const Snapshot&);  // WithRemoteKeys

  GatewaySettings gateway_;
  std::vector<Upstream> upstreams_;
  std::vector<Route> routes_;
  std::vector<std::string> reserved_headers_;
  std::vector<RemoteKeySet> remote_key_sets_;
  // Immutable parts shared by the copies WithRemoteKeys makes.
  struct MatchTable;
  std::shared_ptr<const MatchTable> match_;
  // Per route (by id): its [key] sections in order.
  std::shared_ptr<const std::vector<RouteKeyPlan>> key_plans_;
  std::shared_ptr<const KeyRefresher> refresher_;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

}  // namespace jwtgate

#endif  // JWTGATE_ROUTE_SNAPSHOT_H_
