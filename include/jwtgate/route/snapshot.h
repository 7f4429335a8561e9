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

struct Route {
  uint32_t id = 0;  // index in Snapshot::routes()
  std::string name;
  std::string host;         // lower-case; empty matches any Host
  std::string path_prefix;  // e.g. "/api/"
  uint32_t upstream_id = 0;
  bool auth_required = true;
  jwt::Policy policy;       // policy.id == id
  bool strip_authorization = false;
  std::string token_cookie;  // empty: cookie not consulted
};

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

  GatewaySettings gateway_;
  std::vector<Upstream> upstreams_;
  std::vector<Route> routes_;
  std::vector<std::string> reserved_headers_;
  struct MatchTable;
  std::unique_ptr<MatchTable> match_;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

}  // namespace jwtgate

#endif  // JWTGATE_ROUTE_SNAPSHOT_H_
