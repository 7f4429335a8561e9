// File: src/shard/exchange.h
//
// The working set of one client connection while it has a request in
// progress (or unparsed bytes): the input arena, both parsers, the client
// send queue, the upstream request head, and the per-request record.
// Exchanges are pooled per shard and lent to a connection from its first
// request byte until it is idle again, so an idle keep-alive connection
// costs only its small Connection slot. Owned by the shard's ExchangePool;
// used only on the shard thread.
#ifndef JWTGATE_SHARD_EXCHANGE_H_
#define JWTGATE_SHARD_EXCHANGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "jwtgate/http/head_writer.h"
#include "jwtgate/http/request_parser.h"
#include "jwtgate/http/response_parser.h"
#include "jwtgate/io/pipe_pool.h"
#include "jwtgate/jwt/auth_result.h"
#include "shard/send_queue.h"

namespace jwtgate {

struct SnapshotState;

// One body direction moving by splice (shard_splice.cc): the pipe is held
// from the switch to splicing until the body or the exchange ends.
struct SpliceStream {
  std::unique_ptr<io::Pipe> pipe;
  uint32_t in_pipe = 0;  // bytes in the pipe not yet written out
  bool active() const { return pipe != nullptr; }
};

struct Exchange {
  Exchange(uint32_t arena_bytes, uint32_t max_head_bytes,
           uint32_t response_head_bytes, uint32_t max_headers);

  void ResetForRequest();

  // Makes room for `n` more input bytes, growing the arena up to in_max
  // (the parser is re-based). False when it would exceed in_max.
  bool ReserveInput(uint32_t n);
  // The same for the response head arena (up to resp_max).
  bool ReserveResponse(uint32_t n);

  uint32_t epoch = 0;  // ExchangePool limits generation it was built for

  // Client bytes: [0, in_end) hold the current head (from 0), its body
  // prefix and pipelined bytes; parse_pos is the first byte not yet used.
  // Starts small and grows (kept when pooled) up to in_max.
  std::unique_ptr<char[]> in;
  uint32_t in_cap;
  uint32_t in_max;
  uint32_t in_end = 0;
  uint32_t parse_pos = 0;
  http::RequestParser request;

  // Upstream response head bytes (copied, like the request head).
  std::unique_ptr<char[]> resp;
  uint32_t resp_cap;
  uint32_t resp_max;
  uint32_t resp_end = 0;
  uint32_t resp_pos = 0;
  http::ResponseParser response;

  SendQueue to_client;
  SpliceStream req_splice;   // client -> upstream body
  SpliceStream resp_splice;  // upstream -> client body
  // Rewritten request head plus the body prefix that came with it; kept
  // until the response starts so a failed reused connection can be retried.
  std::string upstream_request;
  std::string target;  // normalised target scratch
  absl::InlinedVector<http::ExtraHeader, 4> claim_headers;

  enum class RequestPhase : uint8_t { kHead, kBody, kDone };
  enum class ResponsePhase : uint8_t { kNone, kHead, kBody, kDone };
  RequestPhase request_phase = RequestPhase::kHead;
  ResponsePhase response_phase = ResponsePhase::kNone;

  // Routing and upstream binding.
  SnapshotState* snapshot = nullptr;  // holds a reference while set
  int route_id = -1;
  uint32_t upstream_id = 0;
  uint32_t upstream_slot = 0;
  uint32_t upstream_gen = 0;
  bool has_upstream = false;
  bool body_streamed = false;  // body buffers went to the upstream
  bool retried = false;
  bool upstream_dirty = false;  // never pool the upstream connection
  bool close_after = false;     // close the client after this response
  bool dechunk = false;         // HTTP/1.0 client, chunked response
  bool head_request = false;
  bool client_http10 = false;
  bool response_started = false;   // bytes of a response went to the client
  bool websocket = false;          // the request asked for a WebSocket
  bool tunnel = false;             // after a 101: raw bytes both ways
  bool shutdown_upstream = false;  // client ended: FIN the upstream once sent
  bool upstream_shut = false;      // that FIN went out
  uint8_t connect_tries = 0;

  // Per-request record (access log, metrics).
  int status = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  int64_t start_ns = 0;
  int64_t start_unix_ms = 0;
  int64_t upstream_start_ns = -1;
  int64_t upstream_ns = -1;
  bool auth_checked = false;
  jwt::AuthResult auth_result = jwt::AuthResult::kOk;
  std::string sub;
  std::string upstream_addr;
};

// Free list of Exchanges. Not thread-safe (one shard).
class ExchangePool {
 public:
  ExchangePool(uint32_t arena_bytes, uint32_t max_head_bytes,
               uint32_t response_head_bytes, uint32_t max_headers);
  Exchange* Get();
  void Put(Exchange* ex);
  // New limits (config reload): pooled exchanges built for the old ones
  // are dropped, ones in use are dropped when they come back.
  void SetLimits(uint32_t arena_bytes, uint32_t max_head_bytes,
                 uint32_t response_head_bytes, uint32_t max_headers);
  size_t free_count() const { return free_.size(); }

 private:
  uint32_t arena_bytes_;
  uint32_t max_head_bytes_;
  uint32_t response_head_bytes_;
  uint32_t max_headers_;
  uint32_t epoch_ = 0;
  std::vector<std::unique_ptr<Exchange>> all_;
  std::vector<Exchange*> free_;
};

}  // namespace jwtgate

#endif  // JWTGATE_SHARD_EXCHANGE_H_
