// LoadConfig: file -> ini -> typed sections -> cross-section checks.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "config/sections.h"
#include "config/text.h"
#include "jwtgate/common/unique_fd.h"
#include "jwtgate/config/config.h"
#include "jwtgate/config/ini.h"

namespace jwtgate::config {
namespace {

constexpr int64_t kMaxConfigBytes = 16 << 20;

constexpr std::string_view kSectionTypes[] = {"gateway", "key", "upstream",
                                              "route"};

// Reports a section whose type+name was seen before; true if duplicate.
bool CheckDuplicate(const IniSection& s,
                    absl::flat_hash_map<std::string, int>* seen,
                    Diagnostics* diag) {
  const std::string id = Cat(s.type, " ", s.name);
  auto [it, inserted] = seen->emplace(id, s.line);
  if (inserted) return false;
  diag->Add(s.line, Cat("duplicate section [", s.name.empty() ? s.type : id,
                        "] (first at line ", it->second, ")"));
  return true;
}

// Sections whose type looks misspelled ("[upstrem api]" -> "upstream api",
// and the bare type "upstream"). Their unknown-section message already
// names the fix, so the errors they cause elsewhere (an undefined
// reference, a missing [gateway]) are not reported a second time.
using Misspelled = absl::flat_hash_set<std::string>;

void CheckReferences(Config* config, const Misspelled& misspelled,
                     Diagnostics* diag) {
  absl::flat_hash_map<std::string_view, int> keys, upstreams;
  for (const KeyConfig& k : config->keys) keys.emplace(k.spec.name, k.line);
  for (const UpstreamConfig& u : config->upstreams) {
    upstreams.emplace(u.name, u.line);
  }
  absl::flat_hash_map<std::string, const RouteConfig*> by_match;
  for (const RouteConfig& r : config->routes) {
    if (!r.upstream.name.empty() && !upstreams.contains(r.upstream.name) &&
        !misspelled.contains(Cat("upstream ", r.upstream.name))) {
      diag->Add(r.upstream.line, Cat("upstream: '", r.upstream.name,
                                     "' is not defined (no [upstream ",
                                     r.upstream.name, "] section)"));
    }
    if (r.keys) {
      for (const NameRef& k : *r.keys) {
        if (!keys.contains(k.name) &&
            !misspelled.contains(Cat("key ", k.name))) {
          diag->Add(k.line, Cat("keys: '", k.name, "' is not defined (no [key ",
                                k.name, "] section)"));
        }
      }
    } else if (r.auth_required && config->keys.empty() &&
               !misspelled.contains("key")) {
      diag->Add(r.line, Cat("[route ", r.name,
                            "] has auth = required but no [key] "
                            "section is defined"));
    }
    if (r.path_prefix.empty()) continue;
    auto [it, inserted] = by_match.emplace(Cat(r.host, " ", r.path_prefix), &r);
    if (!inserted) {
      diag->Add(r.path_prefix_line,
                Cat("route '", r.name, "' has the same ",
                    r.host.empty() ? "" : "host and ", "path_prefix as route '",
                    it->second->name, "' (line ", it->second->line, ")"));
    }
  }
}

absl::StatusOr<std::string> ReadConfigFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
    return absl::NotFoundError(
        Cat("cannot open the config file: ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode) || st.st_size > kMaxConfigBytes) {
    return absl::InvalidArgumentError(
        "the config file is not a regular file of at most 16 MiB");
  }
  std::string text;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::InvalidArgumentError(
          Cat("cannot read the config file: ", std::strerror(errno)));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxConfigBytes) {
      return absl::InvalidArgumentError("the config file is over 16 MiB");
    }
  }
  return text;
}

}  // namespace

Config ParseConfig(std::string_view text, std::string_view base_dir,
                   Diagnostics* diag) {
  Config config;
  IniFile ini = ParseIni(text, diag);
  absl::flat_hash_map<std::string, int> seen;
  int gateway_line = 0;
  Misspelled misspelled;
  for (const IniSection& s : ini.sections) {
    if (s.type.empty()) continue;  // bad header, already reported
    const bool dup = CheckDuplicate(s, &seen, diag);
    if (s.type == "gateway") {
      SectionReader in(s, GatewayKeyRules(), diag);
      GatewaySettings scratch;
      ReadGatewaySection(in, dup ? &scratch : &config.gateway);
      if (!dup) gateway_line = s.line;
    } else if (s.type == "key") {
      SectionReader in(s, KeyKeyRules(), diag);
      KeyConfig key;
      ReadKeySection(in, base_dir, &key);
      if (!dup) config.keys.push_back(std::move(key));
    } else if (s.type == "upstream") {
      SectionReader in(s, UpstreamKeyRules(), diag);
      UpstreamConfig upstream;
      ReadUpstreamSection(in, &upstream);
      if (!dup) config.upstreams.push_back(std::move(upstream));
    } else if (s.type == "route") {
      SectionReader in(s, RouteKeyRules(), diag);
      RouteConfig route;
      ReadRouteSection(in, &route);
      if (!dup) config.routes.push_back(std::move(route));
    } else {
      std::string_view hint = ClosestName(s.type, kSectionTypes);
      if (!hint.empty()) {
        misspelled.insert(std::string(hint));
        misspelled.insert(Cat(hint, " ", s.name));
      }
      diag->Add(
          s.line,
          Cat("unknown section [", s.type,
              "] (expected gateway, key NAME, upstream NAME or "
              "route NAME",
              hint.empty() ? "" : Cat("; did you mean [", hint, "]?"), ")"));
    }
  }
  if (gateway_line == 0 && !misspelled.contains("gateway")) {
    diag->Add(1,
              "no [gateway] section: at least one listen = HOST:PORT is "
              "needed");
  }
  if (config.routes.empty() && !misspelled.contains("route")) {
    diag->Add(1, "no [route NAME] section: at least one route is needed");
  }
  CheckReferences(&config, misspelled, diag);
  return config;
}

Config LoadConfig(const std::string& path, Diagnostics* diag) {
  absl::StatusOr<std::string> text = ReadConfigFile(path);
  if (!text.ok()) {
    diag->Add(0, std::string(text.status().message()));
    return Config{};
  }
  const size_t slash = path.rfind('/');
  std::string base_dir = slash == std::string::npos ? std::string(".")
                         : slash == 0               ? std::string("/")
                                                    : path.substr(0, slash);
  return ParseConfig(*text, base_dir, diag);
}

}  // namespace jwtgate::config
