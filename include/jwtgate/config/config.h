// File: jwtgate/config/config.h
//
// The typed form of a config file (SPEC §2): every key parsed into its type
// with its default, every reference checked, each problem reported as
// `FILE:LINE: message`. Key material is NOT loaded here (only the
// environment variable of `secret_env` is checked to be set); the route
// module (Snapshot::Load) loads keys and compiles the route table.
//
// Relative paths in `secret_file`, `public_key_file`, `jwks_file`,
// `ca_file` are resolved against the directory of the config file.
#ifndef JWTGATE_CONFIG_CONFIG_H_
#define JWTGATE_CONFIG_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwtgate/common/socket_address.h"
#include "jwtgate/config/diagnostics.h"
#include "jwtgate/jwt/key.h"
#include "jwtgate/jwt/policy.h"
// GatewaySettings is a plain struct declared with the Snapshot it belongs
// to; only the type is used here, nothing from the route library.
#include "jwtgate/route/snapshot.h"

namespace jwtgate::config {

// The remote part of a [key NAME] whose keys an IdP publishes (SPEC §2
// `jwks_url` or `oidc_issuer`). Its keys are fetched by the gateway, not
// loaded with the config.
struct RemoteKeyConfig {
  std::string jwks_url;     // https URL of the JWKS, or
  std::string oidc_issuer;  // issuer URL (jwks_uri by OIDC discovery)
  int64_t refresh_ms = 10 * 60 * 1000;  // jwks_refresh
  int64_t min_refetch_ms = 30 * 1000;   // jwks_min_refetch
  std::string ca_file;  // resolved path; empty: the system CA store
  int ca_file_line = 0;
};

// A [key NAME] section.
struct KeyConfig {
  jwt::KeySpec spec;    // spec.name == section name
  int line = 0;         // section header
  int source_line = 0;  // line of its source key (load errors go there)
  bool valid = false;   // false: the section has errors, do not load it
  // Set for jwks_url / oidc_issuer; `spec` then names no material and is
  // not loaded.
  std::optional<RemoteKeyConfig> remote;
};

// An [upstream NAME] section.
struct UpstreamConfig {
  std::string name;
  int line = 0;
  std::vector<SocketAddress> servers;
  uint32_t keepalive = 32;
};

// A name with the line it was written on.
struct NameRef {
  std::string name;
  int line = 0;
};

// A [route NAME] section.
struct RouteConfig {
  std::string name;
  int line = 0;
  std::string host;  // lower-case; empty: any Host
  std::string path_prefix;
  int path_prefix_line = 0;
  NameRef upstream;
  bool auth_required = true;
  std::optional<std::vector<NameRef>> keys;  // nullopt: every key
  std::vector<std::string> issuers;
  std::vector<std::string> audiences;
  int64_t leeway_seconds = 0;
  std::vector<jwt::ClaimRulePtr> rules;
  std::vector<jwt::ClaimHeader> claim_headers;
  bool strip_authorization = false;
  std::string token_cookie;
};

struct Config {
  GatewaySettings gateway;
  std::vector<KeyConfig> keys;            // file order
  std::vector<UpstreamConfig> upstreams;  // file order
  std::vector<RouteConfig> routes;        // file order
};

// Reads and validates the file at `path`. Every problem goes to `diag`
// (whose file name is used in the messages); the returned Config holds what
// could be parsed and must not be used when `diag` is non-empty.
Config LoadConfig(const std::string& path, Diagnostics* diag);

// Same, from text already in memory; `base_dir` resolves relative paths.
Config ParseConfig(std::string_view text, std::string_view base_dir,
                   Diagnostics* diag);

}  // namespace jwtgate::config

#endif  // JWTGATE_CONFIG_CONFIG_H_
