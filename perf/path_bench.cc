// Path normalisation of typical request targets (target: < 100 ns for a
// 40-byte path, no allocation once the output string is warm).
//   build/perf/path_bench --benchmark_repetitions=5
#include <string>
#include <string_view>

#include "benchmark/benchmark.h"
#include "jwtgate/http/path_normalizer.h"

namespace jwtgate::http {
namespace {

void Run(benchmark::State& state, std::string_view target) {
  std::string out;
  out.reserve(256);
  for (auto _ : state) {
    benchmark::DoNotOptimize(NormalizeTarget(target, &out));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(target.size()));
}

// 40 bytes, already normal (the common case).
void BM_Normalize40_Plain(benchmark::State& state) {
  Run(state, "/api/v1/users/12345/orders/6789?limit=20");
}
// 40 bytes with dot segments, an encoded dot and a doubled slash.
void BM_Normalize40_Dots(benchmark::State& state) {
  Run(state, "/api/v1//users/./1234/%2e%2e/5678/x?l=20");
}
BENCHMARK(BM_Normalize40_Plain);
BENCHMARK(BM_Normalize40_Dots);

}  // namespace
}  // namespace jwtgate::http

BENCHMARK_MAIN();
