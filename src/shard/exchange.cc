// Exchange set-up and pooling.
#include "shard/exchange.h"

#include <cstring>

namespace jwtgate {

namespace {

constexpr uint32_t kInitialArenaBytes = 4096;

// Grows `buf` (holding `used` bytes) to fit `used + n`, doubling, capped at
// `max`. Returns false if that does not fit.
bool Grow(std::unique_ptr<char[]>* buf, uint32_t* cap, uint32_t max,
          uint32_t used, uint32_t n) {
  const uint64_t need = uint64_t{used} + n;
  if (need <= *cap) return true;
  if (need > max) return false;
  uint64_t next = *cap;
  while (next < need) next *= 2;
  if (next > max) next = max;
  std::unique_ptr<char[]> bigger(new char[next]);
  std::memcpy(bigger.get(), buf->get(), used);
  *buf = std::move(bigger);
  *cap = static_cast<uint32_t>(next);
  return true;
}

}  // namespace

Exchange::Exchange(uint32_t arena_bytes, uint32_t max_head_bytes,
                   uint32_t response_head_bytes, uint32_t max_headers)
    : in(new char[kInitialArenaBytes]),
      in_cap(kInitialArenaBytes),
      in_max(arena_bytes),
      request(max_head_bytes, max_headers),
      resp(new char[kInitialArenaBytes]),
      resp_cap(kInitialArenaBytes),
      resp_max(response_head_bytes * 2),  // head plus the bytes after it
      response(response_head_bytes, max_headers) {}

bool Exchange::ReserveInput(uint32_t n) {
  const char* before = in.get();
  if (!Grow(&in, &in_cap, in_max, in_end, n)) return false;
  if (in.get() != before) request.Rebase(in.get());
  return true;
}

bool Exchange::ReserveResponse(uint32_t n) {
  const char* before = resp.get();
  if (!Grow(&resp, &resp_cap, resp_max, resp_end, n)) return false;
  if (resp.get() != before) response.Rebase(resp.get());
  return true;
}

void Exchange::ResetForRequest() {
  resp_end = 0;
  resp_pos = 0;
  upstream_request.clear();
  target.clear();
  claim_headers.clear();
  request_phase = RequestPhase::kHead;
  response_phase = ResponsePhase::kNone;
  snapshot = nullptr;
  route_id = -1;
  upstream_id = 0;
  has_upstream = false;
  body_streamed = false;
  retried = false;
  upstream_dirty = false;
  close_after = false;
  dechunk = false;
  head_request = false;
  client_http10 = false;
  response_started = false;
  websocket = false;
  tunnel = false;
  shutdown_upstream = false;
  upstream_shut = false;
  connect_tries = 0;
  status = 0;
  bytes_in = 0;
  bytes_out = 0;
  start_ns = 0;
  start_unix_ms = 0;
  upstream_start_ns = -1;
  upstream_ns = -1;
  auth_checked = false;
  auth_result = jwt::AuthResult::kOk;
  sub.clear();
  upstream_addr.clear();
}

ExchangePool::ExchangePool(uint32_t arena_bytes, uint32_t max_head_bytes,
                           uint32_t response_head_bytes, uint32_t max_headers)
    : arena_bytes_(arena_bytes),
      max_head_bytes_(max_head_bytes),
      response_head_bytes_(response_head_bytes),
      max_headers_(max_headers) {}

Exchange* ExchangePool::Get() {
  if (free_.empty()) {
    all_.push_back(std::make_unique<Exchange>(
        arena_bytes_, max_head_bytes_, response_head_bytes_, max_headers_));
    all_.back()->epoch = epoch_;
    return all_.back().get();
  }
  Exchange* ex = free_.back();
  free_.pop_back();
  return ex;
}

void ExchangePool::Put(Exchange* ex) {
  if (ex->epoch != epoch_) {
    for (auto& owned : all_) {
      if (owned.get() == ex) {
        owned = std::move(all_.back());
        all_.pop_back();
        break;
      }
    }
    return;
  }
  ex->in_end = 0;
  ex->parse_pos = 0;
  ex->ResetForRequest();
  free_.push_back(ex);
}

}  // namespace jwtgate

namespace jwtgate {

void ExchangePool::SetLimits(uint32_t arena_bytes, uint32_t max_head_bytes,
                             uint32_t response_head_bytes,
                             uint32_t max_headers) {
  if (arena_bytes == arena_bytes_ && max_head_bytes == max_head_bytes_ &&
      response_head_bytes == response_head_bytes_ &&
      max_headers == max_headers_) {
    return;
  }
  arena_bytes_ = arena_bytes;
  max_head_bytes_ = max_head_bytes;
  response_head_bytes_ = response_head_bytes;
  max_headers_ = max_headers;
  ++epoch_;
  for (Exchange* ex : free_) {
    ex->epoch = epoch_ - 1;  // already stale; drop below
  }
  std::vector<Exchange*> stale;
  stale.swap(free_);
  for (Exchange* ex : stale) Put(ex);
}

}  // namespace jwtgate
