// Fuzz target: ini config load. The text goes through the in-memory entry
// point config::ParseConfig (ini reader, typed sections, references); when
// that reports no problem and every key source lies in the fixture
// directory, SnapshotBuilder::Build loads the keys and compiles the routes,
// as Snapshot::Load does, and the route table is probed.
//
// Fixture (a temporary directory made once): secret files, a credentials
// directory, an environment variable, PEM and JWKS files. Every secret is
// the canary kCanary (raw or base64).
//
// Invariants (FUZZ_CHECK):
//   1. every problem renders as "fuzz.ini:LINE: message" with LINE within
//      the file, in line order;
//   2. no message ever holds the canary (secrets never appear in errors);
//   3. parsing is deterministic (same problems twice);
//   4. a config without problems has routes with a path_prefix starting
//      with '/' and references that resolve;
//   5. a built snapshot's Match returns the longest matching prefix of the
//      right host group (checked against a plain scan of the routes), and
//      its reserved headers hold "x-auth-userid" and are lower-case.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "jwtgate/config/config.h"
#include "jwtgate/config/diagnostics.h"
#include "jwtgate/route/snapshot.h"
#include "route/snapshot_builder.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/testing/test_keys.h"

namespace jwtgate::fuzz {
namespace {

constexpr std::string_view kCanary = "CANARY-Qx7vK2pW9zR4mT8nB3cY6hJ1";
constexpr std::string_view kCanaryB64 =
    "Q0FOQVJZLVF4N3ZLMnBXOXpSNG1UOG5CM2NZNmhKMQ==";

void WriteFile(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) CheckFailed(__FILE__, __LINE__, "setup", "cannot write fixture");
}

struct Fixture {
  std::string dir;

  Fixture() {
    char tmpl[] = "/tmp/jwtgate-fuzz-config-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      CheckFailed(__FILE__, __LINE__, "setup", "mkdtemp");
    }
    dir = tmpl;
    fixture_dir = new std::string(dir);
    const testing::TestKeyPair& ec = testing::EcP256();
    const testing::TestKeyPair& rsa = testing::Rsa2048();
    WriteFile(dir + "/secret.txt", kCanary);
    WriteFile(dir + "/secret.b64", kCanaryB64);
    WriteFile(dir + "/es256.pem", ec.public_pem);
    WriteFile(dir + "/rs256.pem", rsa.public_pem);
    WriteFile(dir + "/bad.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n");
    WriteFile(dir + "/jwks.json",
              "{\"keys\":[" + testing::PublicJwk(ec, "ec1", "ES256") + "," +
                  testing::PublicJwk(rsa, "rsa1") + "]}");
    ::mkdir((dir + "/creds").c_str(), 0700);
    WriteFile(dir + "/creds/jwt", kCanary);
    ::setenv("CREDENTIALS_DIRECTORY", (dir + "/creds").c_str(), 1);
    ::setenv("JWT_SECRET", std::string(kCanary).c_str(), 1);
    ::setenv("FUZZ_SECRET_B64", std::string(kCanaryB64).c_str(), 1);
    std::atexit([] {
      // Best effort: the fixture holds only the files written above.
      const std::string& d = *fixture_dir;
      for (const char* f :
           {"/secret.txt", "/secret.b64", "/es256.pem", "/rs256.pem",
            "/bad.pem", "/jwks.json", "/creds/jwt"}) {
        ::unlink((d + f).c_str());
      }
      ::rmdir((d + "/creds").c_str());
      ::rmdir(d.c_str());
    });
  }
  static inline const std::string* fixture_dir = nullptr;
};

Fixture& TheFixture() {
  static Fixture* fixture = new Fixture();
  return *fixture;
}

bool HasCanary(std::string_view s) {
  return s.find(kCanary) != std::string_view::npos ||
         s.find(kCanaryB64.substr(0, 40)) != std::string_view::npos;
}

// Invariants 1-3 for a diagnostics list.
void CheckLines(const std::vector<std::string>& lines, int max_line,
                bool input_has_canary) {
  int last = 0;
  for (const std::string& l : lines) {
    FUZZ_CHECK(l.rfind("fuzz.ini:", 0) == 0, "message without the file name");
    size_t i = 9;
    int line = 0;
    while (i < l.size() && l[i] >= '0' && l[i] <= '9' && line < 1'000'000) {
      line = line * 10 + (l[i++] - '0');
    }
    FUZZ_CHECK(i > 9 && l.compare(i, 2, ": ") == 0, "message without :LINE: ");
    FUZZ_CHECK(line <= max_line, "message points past the end of the file");
    FUZZ_CHECK(line >= last, "messages not in line order");
    last = line;
    if (!input_has_canary) {
      FUZZ_CHECK(!HasCanary(l), "a secret value appears in a message");
    }
  }
}

bool InFixture(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() + 1 &&
         path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/' &&
         path.find("/..") == std::string::npos &&
         path.find('\0') == std::string::npos;
}

// Expected Match, by scanning the routes: host routes beat host-less ones,
// then the longest prefix. `host` is already canonical (lower-case, no port).
const Route* ScanMatch(const Snapshot& s, std::string_view host,
                       std::string_view path) {
  const Route* best = nullptr;
  for (int pass = 0; pass < 2 && best == nullptr; ++pass) {
    for (const Route& r : s.routes()) {
      if (pass == 0 ? r.host != host || host.empty() : !r.host.empty()) {
        continue;
      }
      if (path.substr(0, r.path_prefix.size()) != r.path_prefix) continue;
      if (best == nullptr || r.path_prefix.size() > best->path_prefix.size()) {
        best = &r;
      }
    }
  }
  return best;
}

bool PlainHost(std::string_view h) {
  if (h.empty() || h.back() == '.') return false;
  for (char c : h) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

void ProbeRoutes(const Snapshot& s) {
  bool userid = false;
  for (const std::string& h : s.reserved_headers()) {
    FUZZ_CHECK(
        h.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos,
        "reserved header not lower-case");
    if (h == "x-auth-userid") userid = true;
  }
  FUZZ_CHECK(userid, "x-auth-userid is not reserved");

  std::vector<std::string> hosts = {"", "unknown.example"};
  std::vector<std::string> paths = {"/", "/zzz/q"};
  for (const Route& r : s.routes()) {
    if (PlainHost(r.host)) hosts.push_back(r.host);
    paths.push_back(r.path_prefix);
    paths.push_back(r.path_prefix + "x/y");
    if (r.path_prefix.size() > 1) {
      paths.push_back(r.path_prefix.substr(0, r.path_prefix.size() - 1));
    }
    if (hosts.size() > 16 || paths.size() > 48) break;
  }
  for (const std::string& host : hosts) {
    for (const std::string& path : paths) {
      const Route* want = ScanMatch(s, host, path);
      for (const std::string& sent : {host, Upper(host), host + ":8080"}) {
        if (host.empty() && sent != host) continue;
        FUZZ_CHECK(s.Match(sent, path) == want,
                   "Match disagrees with a scan of the routes");
      }
    }
  }
}

}  // namespace
}  // namespace jwtgate::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  jwtgate::fuzz::TheFixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace jwtgate;
  using namespace jwtgate::fuzz;
  if (size > 64 * 1024) return -1;
  const std::string& dir = TheFixture().dir;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool input_has_canary = HasCanary(text);
  int line_count = 1;
  for (char c : text) line_count += c == '\n';

  config::Diagnostics diag("fuzz.ini");
  const config::Config cfg = config::ParseConfig(text, dir, &diag);
  const std::vector<std::string> lines = diag.Lines();
  CheckLines(lines, line_count, input_has_canary);
  {
    config::Diagnostics again("fuzz.ini");
    (void)config::ParseConfig(text, dir, &again);
    FUZZ_CHECK(again.Lines() == lines, "config parse is not deterministic");
  }
  if (!diag.empty()) {
    FUZZ_CHECK(!diag.ToStatus().ok(), "problems but an OK status");
    return 0;
  }

  // Invariant 4.
  for (const config::RouteConfig& r : cfg.routes) {
    FUZZ_CHECK(!r.path_prefix.empty() && r.path_prefix[0] == '/',
               "route path_prefix does not start with '/'");
    bool found = false;
    for (const config::UpstreamConfig& u : cfg.upstreams) {
      found |= u.name == r.upstream.name;
    }
    FUZZ_CHECK(found, "route names an undefined upstream");
  }

  // Build only when every file the keys name is inside the fixture.
  for (const config::KeyConfig& k : cfg.keys) {
    const bool file = k.spec.source != jwt::KeySpec::Source::kSecretEnv &&
                      k.spec.source != jwt::KeySpec::Source::kSecretCredential;
    if (file && !InFixture(k.spec.source_value, dir)) return 0;
  }
  std::shared_ptr<Snapshot> snapshot = SnapshotBuilder::Build(cfg, &diag);
  CheckLines(diag.Lines(), line_count, input_has_canary);
  if (diag.empty()) ProbeRoutes(*snapshot);
  return 0;
}
