// Route lookup on a Snapshot with 1,000 routes (target: < 150 ns).
//   build/perf/route_bench --benchmark_repetitions=5
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "jwtgate/route/snapshot.h"

namespace jwtgate {
namespace {

// 1,000 routes: a catch-all, 333 services with a v2 sub-route, and 333
// host-bound routes spread over 10 hosts.
SnapshotPtr ThousandRoutes() {
  std::string text =
      "[gateway]\nlisten = 127.0.0.1:8080\n"
      "[upstream a]\nserver = 127.0.0.1:9000\n"
      "[route root]\npath_prefix = /\nupstream = a\nauth = off\n";
  for (int i = 0; i < 333; ++i) {
    absl::StrAppend(&text, "[route s", i, "]\npath_prefix = /api/svc", i,
                    "/\nupstream = a\nauth = off\n");
    absl::StrAppend(&text, "[route s", i, "v2]\npath_prefix = /api/svc", i,
                    "/v2/\nupstream = a\nauth = off\n");
    absl::StrAppend(&text, "[route h", i, "]\nhost = tenant", i % 10,
                    ".example.com\npath_prefix = /api/svc", i,
                    "/\nupstream = a\nauth = off\n");
  }
  char dir[] = "/tmp/jwtgate-route-bench-XXXXXX";
  if (mkdtemp(dir) == nullptr) return nullptr;
  const std::string path = std::string(dir) + "/routes.ini";
  std::ofstream(path) << text;
  absl::StatusOr<SnapshotPtr> s = Snapshot::Load(path);
  std::filesystem::remove_all(dir);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.status().message()).c_str());
    return nullptr;
  }
  return *s;
}

std::vector<std::pair<std::string, std::string>> Requests(bool with_host) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < 64; ++i) {
    const int svc = (i * 37) % 333;
    std::string host =
        with_host ? absl::StrCat("Tenant", (i * 7) % 10, ".example.com:8443")
                  : "";
    std::string path = (i % 3 == 0)
                           ? absl::StrCat("/api/svc", svc, "/v2/items/42")
                           : absl::StrCat("/api/svc", svc, "/users/12345");
    if (i % 16 == 5) path = "/static/app.js";
    out.emplace_back(std::move(host), std::move(path));
  }
  return out;
}

void RunMatch(benchmark::State& state, bool with_host) {
  static const SnapshotPtr snapshot = ThousandRoutes();
  if (snapshot == nullptr) {
    state.SkipWithError("snapshot did not load");
    return;
  }
  const auto requests = Requests(with_host);
  size_t i = 0;
  for (auto _ : state) {
    const auto& [host, path] = requests[i++ & 63];
    benchmark::DoNotOptimize(snapshot->Match(host, path));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RouteMatch1000_NoHost(benchmark::State& state) {
  RunMatch(state, false);
}
void BM_RouteMatch1000_WithHost(benchmark::State& state) {
  RunMatch(state, true);
}
BENCHMARK(BM_RouteMatch1000_NoHost);
BENCHMARK(BM_RouteMatch1000_WithHost);

}  // namespace
}  // namespace jwtgate

BENCHMARK_MAIN();
