// Cost of the ops calls a shard makes per request: counting a request in
// ShardMetrics, formatting and buffering one access-log line, and (for
// scale) rendering /metrics off the shards.
#include <netinet/in.h>

#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "jwtgate/ops/access_log.h"
#include "jwtgate/ops/metrics.h"

namespace jwtgate::ops {
namespace {

const std::vector<std::string_view> kRoutes = {"api", "admin", "static"};
const std::vector<std::string_view> kUpstreams = {"backend"};

void BM_ShardMetricsOnRequest(benchmark::State& state) {
  MetricsRegistry registry(1);
  ShardMetrics& m = registry.shard(0);
  const int key = 0;
  m.OnIdSpace(&key, kRoutes, kUpstreams);
  uint64_t i = 0;
  for (auto _ : state) {
    m.OnRequest(&key, static_cast<int>(i % 3), 200, 150'000 + (i & 1023), 512,
                2048);
    ++i;
  }
}
BENCHMARK(BM_ShardMetricsOnRequest);

AccessRecord Record(const sockaddr_in* client) {
  AccessRecord r;
  r.unix_ms = 1767225600123;
  r.client = reinterpret_cast<const sockaddr*>(client);
  r.method = "GET";
  r.path = "/api/v1/items/12345";
  r.route = "api";
  r.status = 200;
  r.bytes_in = 412;
  r.bytes_out = 2048;
  r.upstream = "127.0.0.1:9000";
  r.upstream_ms = 3;
  r.total_ms = 4;
  r.sub = "auth0|5f7c8ec7c33c6c004bbafe82";
  r.auth_checked = true;
  return r;
}

void BM_FormatAccessRecord(benchmark::State& state) {
  sockaddr_in client{};
  client.sin_family = AF_INET;
  client.sin_addr.s_addr = htonl(0x7f000001);
  const AccessRecord r = Record(&client);
  std::string out;
  for (auto _ : state) {
    out.clear();
    FormatAccessRecord(r, 0, &out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_FormatAccessRecord);

// Append + the shard's per-iteration Tick, with the writer thread writing
// to /dev/null: the shard-side cost of one logged request.
void BM_ShardAccessLogAppend(benchmark::State& state) {
  AccessLog::Options o;
  o.target = AccessLog::Target::kFile;
  o.path = "/dev/null";
  auto log = AccessLog::Create(o);
  if (!log.ok()) {
    state.SkipWithError("cannot open /dev/null");
    return;
  }
  ShardAccessLog& shard = (*log)->shard(0);
  sockaddr_in client{};
  client.sin_family = AF_INET;
  const AccessRecord r = Record(&client);
  int64_t now = 0;
  for (auto _ : state) {
    shard.Append(r);
    shard.Tick(++now);
  }
  state.counters["dropped"] = static_cast<double>(shard.dropped());
}
BENCHMARK(BM_ShardAccessLogAppend);

void BM_RenderPrometheus(benchmark::State& state) {
  MetricsRegistry registry(2);
  std::vector<std::string> names;
  for (int i = 0; i < state.range(0); ++i) {
    names.push_back("route" + std::to_string(i));
  }
  const std::vector<std::string_view> routes(names.begin(), names.end());
  const int key = 0;
  for (int s = 0; s < 2; ++s) {
    registry.shard(s).OnIdSpace(&key, routes, kUpstreams);
    for (int i = 0; i < state.range(0); ++i) {
      registry.shard(s).OnRequest(&key, i, 200, 1000, 1, 1);
      registry.shard(s).OnRequest(&key, i, 401, 1000, 1, 1);
    }
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(registry.RenderPrometheus());
  }
}
BENCHMARK(BM_RenderPrometheus)->Arg(10)->Arg(1000);

}  // namespace
}  // namespace jwtgate::ops

BENCHMARK_MAIN();
