// File: tests/testing/upstream/responder.h
//
// What jwtgate_test_upstream answers, decided from one parsed request. The
// behaviour is chosen by the first path segment that names one (anything
// before it is ignored, so a gateway route prefix such as `/api/` can sit in
// front):
//
//   /echo...           200 JSON of the request as received: method, target,
//                      version, headers [[name, value], ...] in order,
//                      trailers, body_length, body_sha256, chunked,
//                      connection_id, request_index (1-based count on this
//                      connection), peer, thread
//   /bytes/N           N pattern bytes (pattern.h), Content-Length and
//                      X-Body-Sha256; `?chunked=1` sends them chunked
//   /slow/MS           the /echo answer, sent MS ms later (MS <= 60000)
//   /drip/N            Content-Length N, then one byte every `interval_ms`
//                      (query, default 1000); N <= 120
//   /reset             reads the request, then RST (SO_LINGER 0), no answer
//   /close-early       head with Content-Length 1000, 500 bytes, then FIN
//   /status/CODE       that status (200-599); 204/304 and HEAD without body
//   /stats             {"connections":N,"requests":M} since start; M counts
//                      every request except /stats itself
//   /ws                WebSocket upgrade (101), then frames echoed back
//   anything else      200 "ok" (the load-test fast path)
//
// Bytes of header values outside printable ASCII are written to JSON as
// \u00XX (Latin-1), so the echo output is always valid UTF-8 JSON.
#ifndef JWTGATE_TESTS_TESTING_UPSTREAM_RESPONDER_H_
#define JWTGATE_TESTS_TESTING_UPSTREAM_RESPONDER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace jwtgate::testing {

// One request as the connection parsed it. Strings are reused between
// requests (cleared, capacity kept).
struct UpstreamRequest {
  std::string method;
  std::string target;
  int http_major = 1;
  int http_minor = 1;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> trailers;
  uint64_t body_length = 0;
  std::string body_sha256_hex;
  bool chunked = false;
  bool keep_alive = true;
  bool upgrade = false;
  uint64_t connection_id = 0;
  uint64_t request_index = 0;
  std::string peer;
  int thread = 0;

  // Value of the first header named `name` (case-insensitive), or "".
  std::string_view Header(std::string_view name) const;
};

// How the connection must answer. `head` (status line + headers + CRLF) and
// `body` are sent as they are, then `pattern_bytes` pattern bytes (chunked
// when `pattern_chunked`).
struct ResponsePlan {
  std::string head;
  std::string body;
  uint64_t pattern_bytes = 0;
  bool pattern_chunked = false;
  int delay_ms = 0;          // > 0: send everything after this delay
  int drip_interval_ms = 0;  // > 0: pattern bytes sent one per interval
  bool close_after = false;  // FIN after the answer
  bool reset = false;        // RST instead of any answer
  bool websocket = false;    // after `head` (101), echo WebSocket frames
};

// Counters shared by every loop thread; /stats reports them. Relaxed
// atomics: they are test observations, not synchronisation.
struct UpstreamStats {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> next_connection_id{1};
};

// Builds answers. One per loop thread (holds a small digest cache), so not
// thread-safe.
class Responder {
 public:
  explicit Responder(UpstreamStats* stats) : stats_(stats) {}
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  ResponsePlan Plan(const UpstreamRequest& request);

  // Answer to a request the parser rejected (400) or whose head is too
  // large (431); always closes.
  static ResponsePlan Error(int status, std::string_view message);

 private:
  const std::string& PatternSha256(uint64_t n);

  UpstreamStats* stats_;
  absl::flat_hash_map<uint64_t, std::string> digest_cache_;
};

// SHA-256 of `n` pattern bytes starting at offset 0, lower-case hex.
std::string PatternSha256Hex(uint64_t n);

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_TESTING_UPSTREAM_RESPONDER_H_
