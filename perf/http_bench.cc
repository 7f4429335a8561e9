// Hot-path costs of the HTTP layer per request: parsing a typical request
// head (with a bearer token) and response head, writing the upstream and
// client heads, finding the token, and refusing a request.
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "jwtgate/http/answer.h"
#include "jwtgate/http/head_writer.h"
#include "jwtgate/http/request_parser.h"
#include "jwtgate/http/response_parser.h"
#include "jwtgate/http/token_extractor.h"

namespace jwtgate::http {
namespace {

// A wrk-like request with an Auth0-sized token.
const std::string kRequest =
    "GET /api/messages?page=2 HTTP/1.1\r\n"
    "Host: api.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) bench\r\n"
    "Accept: application/json\r\n"
    "Accept-Encoding: gzip, deflate\r\n"
    "Authorization: Bearer "
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL3RlbmFudC5hdXRo"
    "MC5jb20vIiwic3ViIjoiYXV0aDB8NWY3YzhlYzdjMzNjNmMwMDRiYmFmZTgyIiwiYXVkIjoi"
    "aHR0cHM6Ly9hcGkuZXhhbXBsZS5jb20iLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAw"
    "MzYwMCwic2NvcGUiOiJvcGVuaWQgcHJvZmlsZSByZWFkOm1lc3NhZ2VzIn0."
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG\r\n"
    "X-Request-Id: 5f0c1c3e-7d7e-4b8c-9f1a-2b3c4d5e6f70\r\n"
    "Connection: keep-alive\r\n"
    "\r\n";

const std::string kResponse =
    "HTTP/1.1 200 OK\r\n"
    "Server: upstream\r\n"
    "Date: Thu, 03 Dec 2026 20:00:00 GMT\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 27\r\n"
    "Cache-Control: no-cache\r\n"
    "\r\n"
    "{\"messages\":[],\"page\":2}\n";

void BM_ParseRequestHead(benchmark::State& state) {
  RequestParser parser(16 * 1024, 100);
  std::string arena = kRequest;
  for (auto _ : state) {
    parser.Start(arena.data());
    size_t used;
    auto r = parser.FeedHead(arena.data(), arena.size(), &used);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * kRequest.size());
}
BENCHMARK(BM_ParseRequestHead);

void BM_ParseResponse(benchmark::State& state) {
  ResponseParser parser(64 * 1024, 100);
  std::string arena = kResponse;
  for (auto _ : state) {
    parser.Start(arena.data(), false);
    size_t used, body;
    parser.FeedHead(arena.data(), arena.size(), &used);
    auto r = parser.FeedBody(arena.data() + used, arena.size() - used, &body);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * kResponse.size());
}
BENCHMARK(BM_ParseResponse);

void BM_ExtractToken(benchmark::State& state) {
  RequestParser parser(16 * 1024, 100);
  std::string arena = kRequest;
  parser.Start(arena.data());
  size_t used;
  parser.FeedHead(arena.data(), arena.size(), &used);
  for (auto _ : state) {
    TokenSearch t = ExtractToken(arena.data(), parser.head(), "");
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_ExtractToken);

void BM_WriteUpstreamHead(benchmark::State& state) {
  RequestParser parser(16 * 1024, 100);
  std::string arena = kRequest;
  parser.Start(arena.data());
  size_t used;
  parser.FeedHead(arena.data(), arena.size(), &used);
  const std::vector<std::string> reserved = {"x-auth-userid", "x-auth-email"};
  const ExtraHeader claims[] = {{"X-Auth-Email", "alice@example.com"}};
  UpstreamHeadParams p;
  p.target = "/api/messages?page=2";
  p.client_ip = "192.0.2.10";
  p.reserved_headers = &reserved;
  p.user_id = "auth0|5f7c8ec7c33c6c004bbafe82";
  p.claim_headers = claims;
  std::string out;
  for (auto _ : state) {
    out.clear();
    WriteUpstreamHead(arena.data(), parser.head(), p, &out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_WriteUpstreamHead);

void BM_WriteClientResponseHead(benchmark::State& state) {
  ResponseParser parser(64 * 1024, 100);
  std::string arena = kResponse;
  parser.Start(arena.data(), false);
  size_t used;
  parser.FeedHead(arena.data(), arena.size(), &used);
  std::string out;
  for (auto _ : state) {
    out.clear();
    WriteClientResponseHead(arena.data(), parser.head(), {}, &out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_WriteClientResponseHead);

void BM_Answer401(benchmark::State& state) {
  std::string out;
  Answer a;
  a.status = 401;
  a.error = "invalid_token";
  a.message = "token expired";
  a.www_authenticate =
      "Bearer realm=\"jwtgate\", error=\"invalid_token\", "
      "error_description=\"token expired\"";
  for (auto _ : state) {
    out.clear();
    AppendAnswer(a, &out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_Answer401);

}  // namespace
}  // namespace jwtgate::http

BENCHMARK_MAIN();
