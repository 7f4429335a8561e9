// SnapshotBuilder: keys, upstreams, routes with policies, match table.
#include "route/snapshot_builder.h"

#include <algorithm>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "config/text.h"
#include "jwtgate/http/path_normalizer.h"
#include "route/snapshot_internal.h"

namespace jwtgate {
namespace {

using config::Config;
using config::Diagnostics;

// Loads every valid [key]; returns the keys of each section by name.
absl::flat_hash_map<std::string, std::vector<jwt::KeyPtr>> LoadAllKeys(
    const Config& config, Diagnostics* diag) {
  absl::flat_hash_map<std::string, std::vector<jwt::KeyPtr>> out;
  for (const config::KeyConfig& k : config.keys) {
    if (!k.valid) continue;
    absl::StatusOr<std::vector<jwt::KeyPtr>> keys = jwt::LoadKeys(k.spec);
    if (!keys.ok()) {
      // LoadKeys names the key and its file or variable, never material.
      diag->Add(k.source_line, std::string(keys.status().message()));
      continue;
    }
    if (keys->empty()) {
      diag->Add(k.source_line,
                config::Cat("key ", k.spec.name, ": ", k.spec.source_value,
                            " holds no usable key"));
      continue;
    }
    out[k.spec.name] = *std::move(keys);
  }
  return out;
}

jwt::Policy BuildPolicy(
    const config::RouteConfig& rc, uint32_t id, const Config& config,
    const absl::flat_hash_map<std::string, std::vector<jwt::KeyPtr>>& keys) {
  jwt::Policy policy;
  policy.id = id;
  auto add = [&](const std::string& name) {
    auto it = keys.find(name);
    if (it == keys.end()) return;
    for (const jwt::KeyPtr& k : it->second) {
      if (std::find(policy.keys.begin(), policy.keys.end(), k) ==
          policy.keys.end()) {
        policy.keys.push_back(k);
      }
    }
  };
  if (rc.keys) {
    for (const config::NameRef& ref : *rc.keys) add(ref.name);
  } else {
    for (const config::KeyConfig& k : config.keys) add(k.spec.name);
  }
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
              config::Cat("path_prefix: '", rc.path_prefix,
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
    r.policy = BuildPolicy(rc, r.id, config, keys);
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
  if (diag->empty()) {
    s->match_ = std::make_unique<Snapshot::MatchTable>(entries);
  }
  return s;
}

}  // namespace jwtgate
