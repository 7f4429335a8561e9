// SnapshotBuilder: keys, upstreams, routes with policies, match table.
#include "route/snapshot_builder.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "config/text.h"
#include "jwtgate/common/unique_fd.h"
#include "jwtgate/http/path_normalizer.h"
#include "jwtgate/jwks/https_client.h"
#include "route/snapshot_internal.h"

namespace jwtgate {
namespace {

using config::Config;
using config::Diagnostics;

// Loads every valid local [key]; returns the keys of each section by name.
absl::flat_hash_map<std::string, std::vector<jwt::KeyPtr>> LoadAllKeys(
    const Config& config, Diagnostics* diag) {
  absl::flat_hash_map<std::string, std::vector<jwt::KeyPtr>> out;
  for (const config::KeyConfig& k : config.keys) {
    if (!k.valid || k.remote.has_value()) continue;
    absl::StatusOr<std::vector<jwt::KeyPtr>> keys = jwt::LoadKeys(k.spec);
    if (!keys.ok()) {
      // LoadKeys names the key and its file or variable, never material.
      diag->Add(k.source_line, std::string(keys.status().message()));
      continue;
    }
    if (keys->empty()) {
      diag->Add(k.source_line,
                Cat("key ", k.spec.name, ": ", k.spec.source_value,
                    " holds no usable key"));
      continue;
    }
    out[k.spec.name] = *std::move(keys);
  }
  return out;
}

// A ca_file the fetcher can use: readable, and PEM certificates OpenSSL
// loads (the same loader the fetcher's TLS client uses).
absl::Status CheckCaFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return absl::NotFoundError(
        Cat("cannot read ", path, ": ", std::strerror(errno)));
  }
  jwks::HttpsClientOptions options;
  options.ca_file = path;
  absl::StatusOr<std::unique_ptr<jwks::HttpsClient>> client =
      jwks::HttpsClient::Create(std::move(options));
  if (!client.ok()) {
    return absl::InvalidArgumentError(
        Cat(path, " holds no PEM CA certificate OpenSSL can load"));
  }
  return absl::OkStatus();
}

// The remote [key] sections, config order. Their ca_file is loaded the way
// the fetcher will load it, so --check finds a bad one.
std::vector<RemoteKeySet> RemoteKeySets(const Config& config,
                                        Diagnostics* diag) {
  std::vector<RemoteKeySet> out;
  for (const config::KeyConfig& k : config.keys) {
    if (!k.valid || !k.remote.has_value()) continue;
    const config::RemoteKeyConfig& r = *k.remote;
    if (!r.ca_file.empty()) {
      absl::Status ca = CheckCaFile(r.ca_file);
      if (!ca.ok()) {
        diag->Add(r.ca_file_line, Cat("ca_file: ", ca.message()));
        continue;
      }
    }
    RemoteKeySet set;
    set.id = static_cast<uint32_t>(out.size());
    set.name = k.spec.name;
    set.jwks_url = r.jwks_url;
    set.oidc_issuer = r.oidc_issuer;
    set.refresh_ms = r.refresh_ms;
    set.min_refetch_ms = r.min_refetch_ms;
    set.ca_file = r.ca_file;
    out.push_back(std::move(set));
  }
  return out;
}

// The [key] sections a route draws on, in order: local keys by value,
// remote sets by id.
RouteKeyPlan PlanFor(
    const config::RouteConfig& rc, const Config& config,
    const absl::flat_hash_map<std::string, std::vector<jwt::KeyPtr>>& keys,
    const std::vector<RemoteKeySet>& remote) {
  RouteKeyPlan plan;
  auto add = [&](const std::string& name) {
    for (const RemoteKeySet& set : remote) {
      if (set.name == name) {
        plan.parts.push_back({{}, static_cast<int>(set.id)});
        return;
      }
    }
    auto it = keys.find(name);
    if (it != keys.end()) plan.parts.push_back({it->second, -1});
  };
  if (rc.keys) {
    for (const config::NameRef& ref : *rc.keys) add(ref.name);
  } else {
    for (const config::KeyConfig& k : config.keys) add(k.spec.name);
  }
  return plan;
}

jwt::Policy BuildPolicy(const config::RouteConfig& rc, uint32_t id) {
  jwt::Policy policy;
  policy.id = id;
  policy.issuers = rc.issuers;
  policy.audiences = rc.audiences;
  policy.leeway_seconds = rc.leeway_seconds;
  policy.rules = rc.rules;
  policy.claim_headers = rc.claim_headers;
  return policy;
}

// Requests are matched after normalisation, so a prefix that is not in
// normal form could never match as written.
void CheckPathPrefix(const config::RouteConfig& rc, Diagnostics* diag) {
  if (rc.path_prefix.empty()) return;
  std::string normal;
  const http::PathVerdict v = http::NormalizeTarget(rc.path_prefix, &normal);
  if (v != http::PathVerdict::kOk || normal != rc.path_prefix) {
    diag->Add(rc.path_prefix_line,
              Cat("path_prefix: '", rc.path_prefix,
                  "' is not a normalised path (requests are matched "
                  "after resolving . and .., merging // and "
                  "refusing %2F, %5C, %00, '?')"));
  }
}

}  // namespace

std::shared_ptr<Snapshot> SnapshotBuilder::Build(const Config& config,
                                                 Diagnostics* diag) {
  std::shared_ptr<Snapshot> s(new Snapshot());
  s->gateway_ = config.gateway;

  absl::flat_hash_map<std::string, uint32_t> upstream_ids;
  for (const config::UpstreamConfig& uc : config.upstreams) {
    Upstream u;
    u.id = static_cast<uint32_t>(s->upstreams_.size());
    u.name = uc.name;
    u.servers = uc.servers;
    u.keepalive = uc.keepalive;
    upstream_ids.emplace(u.name, u.id);
    s->upstreams_.push_back(std::move(u));
  }

  const auto keys = LoadAllKeys(config, diag);
  s->remote_key_sets_ = RemoteKeySets(config, diag);
  auto plans = std::make_shared<std::vector<RouteKeyPlan>>();

  std::vector<std::string> reserved = {"x-auth-userid"};
  std::vector<RouteMatcher::Entry> entries;
  for (const config::RouteConfig& rc : config.routes) {
    CheckPathPrefix(rc, diag);
    Route r;
    r.id = static_cast<uint32_t>(s->routes_.size());
    r.name = rc.name;
    r.host = rc.host;
    r.path_prefix = rc.path_prefix;
    auto up = upstream_ids.find(rc.upstream.name);
    r.upstream_id = up == upstream_ids.end() ? 0 : up->second;
    r.auth_required = rc.auth_required;
    r.policy = BuildPolicy(rc, r.id);
    plans->push_back(PlanFor(rc, config, keys, s->remote_key_sets_));
    r.policy.keys = PlanKeys(plans->back(), {});
    for (const RouteKeyPlan::Part& part : plans->back().parts) {
      if (part.remote >= 0) {
        r.remote_key_set_ids.push_back(static_cast<uint32_t>(part.remote));
      }
    }
    r.strip_authorization = rc.strip_authorization;
    r.token_cookie = rc.token_cookie;
    for (const jwt::ClaimHeader& h : rc.claim_headers) {
      reserved.push_back(config::ToLower(h.header));
    }
    if (!rc.path_prefix.empty()) {
      entries.push_back({r.host, r.path_prefix, r.id});
    }
    s->routes_.push_back(std::move(r));
  }
  std::sort(reserved.begin(), reserved.end());
  reserved.erase(std::unique(reserved.begin(), reserved.end()), reserved.end());
  s->reserved_headers_ = std::move(reserved);
  s->key_plans_ = std::move(plans);
  if (diag->empty()) {
    s->match_ = std::make_unique<Snapshot::MatchTable>(entries);
  }
  return s;
}

}  // namespace jwtgate
