// Remote keys: the cost a shard pays to ask for a refetch on an unknown kid
// (must be negligible next to a signature check, also when every shard asks
// at once), and the per-fetch cost of recognising an unchanged key set.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>

#include "jwks/key_set_fingerprint.h"
#include "jwtgate/common/base64url.h"
#include "jwtgate/jwks/jwks_fetcher.h"

namespace jwtgate::jwks {
namespace {

// A fetcher that is never started: the flag, once raised, stays raised —
// the steady state of a flood of unknown kids between two fetches.
JwksFetcher& Fetcher() {
  static JwksFetcher* fetcher = [] {
    RemoteKeySourceConfig source;
    source.name = "idp";
    source.jwks_url = "https://idp.example/.well-known/jwks.json";
    std::vector<RemoteKeySourceConfig> sources = {source};
    auto f = JwksFetcher::Create(std::move(sources), {});
    if (!f.ok()) std::abort();
    return f->release();
  }();
  return *fetcher;
}

void BM_RequestRefetchCoalesced(benchmark::State& state) {
  JwksFetcher& fetcher = Fetcher();
  fetcher.RequestRefetch(0);
  for (auto _ : state) fetcher.RequestRefetch(0);
}
BENCHMARK(BM_RequestRefetchCoalesced)->Threads(1)->Threads(2);

void BM_RequestRefetchByName(benchmark::State& state) {
  JwksFetcher& fetcher = Fetcher();
  for (auto _ : state) fetcher.RequestRefetch("idp");
}
BENCHMARK(BM_RequestRefetchByName);

// A JWKS of `n` RSA-2048-sized keys (random material: only the
// fingerprint is measured, not key parsing).
std::string SyntheticJwks(int n) {
  std::mt19937_64 rng(1);
  std::string json = R"({"keys":[)";
  for (int i = 0; i < n; ++i) {
    std::string modulus(256, '\0');
    for (char& c : modulus) c = static_cast<char>(rng());
    if (i > 0) json += ",";
    json += R"({"kty":"RSA","use":"sig","alg":"RS256","kid":"key-)" +
            std::to_string(i) + R"(","n":")" + Base64UrlEncode(modulus) +
            R"(","e":"AQAB","x5t":"abc"})";
  }
  return json + "]}";
}

void BM_KeySetFingerprint(benchmark::State& state) {
  const std::string jwks = SyntheticJwks(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto fp = KeySetFingerprint(jwks);
    benchmark::DoNotOptimize(fp);
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * jwks.size()));
}
BENCHMARK(BM_KeySetFingerprint)->Arg(2)->Arg(16);

}  // namespace
}  // namespace jwtgate::jwks

BENCHMARK_MAIN();
