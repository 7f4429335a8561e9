// File: jwtgate/ops/metrics.h
//
// Prometheus metrics of SPEC §5 without locks or shared atomic RMW on the
// request path. Each shard owns one ShardMetrics block and is its only
// writer (relaxed load+store on single-writer counters); a scraper thread
// sums all blocks through MetricsRegistry::RenderPrometheus(). Implemented
// in src/ops/shard_metrics.cc and src/ops/metrics_registry.cc.
#ifndef JWTGATE_OPS_METRICS_H_
#define JWTGATE_OPS_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "jwtgate/jwt/auth_result.h"
#include "jwtgate/route/snapshot.h"

namespace jwtgate::ops {

class AccessLog;

// Why an upstream exchange failed (label `kind` of
// jwtgate_upstream_errors_total).
enum class UpstreamErrorKind : uint8_t {
  kRefused,         // connect refused / unreachable (502)
  kReset,           // reset or closed before a complete response (502)
  kTimeout,         // no upstream byte within upstream_timeout (504)
  kConnectTimeout,  // connect did not finish in upstream_connect_timeout (504)
  kBadResponse,     // response head unparsable (502)
};
inline constexpr int kUpstreamErrorKindCount = 5;
// "refused", "reset", "timeout", "connect_timeout", "bad_response".
std::string_view UpstreamErrorKindName(UpstreamErrorKind kind);

// Label `side` of the jwtgate_connections gauge.
enum class ConnectionSide : uint8_t { kClient, kUpstream };
inline constexpr int kConnectionSideCount = 2;

// A counter with exactly one writer thread: Add() is a relaxed load and a
// relaxed store (no lock prefix); any thread may Get().
class SingleWriterCounter {
 public:
  void Add(uint64_t n) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void Set(uint64_t n) { v_.store(n, std::memory_order_relaxed); }
  uint64_t Get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// Upper bounds (seconds) of jwtgate_request_duration_seconds, +Inf implied.
inline constexpr std::array<double, 14> kDurationBucketsSeconds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

// Status codes are counted in slots: every registered HTTP code has its own
// slot; another code of a class is counted as "1xx".."5xx", anything outside
// 100..599 as "other".
int StatusCodeSlot(int status);
std::string_view StatusCodeSlotLabel(int slot);
inline constexpr int kStatusCodeSlotCount = 68;

// Per-route counters of one shard. Cache-line aligned so shards never share
// a line.
struct alignas(64) RouteCounters {
  std::string name;  // "" for requests answered before any route matched
  std::array<SingleWriterCounter, kStatusCodeSlotCount> by_code;
  SingleWriterCounter bytes_in;
  SingleWriterCounter bytes_out;
};

struct alignas(64) UpstreamCounters {
  std::string name;
  std::array<SingleWriterCounter, kUpstreamErrorKindCount> errors;
};

// The counters of one shard. Owned by the MetricsRegistry; written only by
// its shard's thread (every On*/Set*/Beat method), read by any thread
// through the registry. Route and upstream counters are kept by name, so
// they survive reloads; the hot path indexes them by id through a table per
// Snapshot.
class alignas(64) ShardMetrics {
 public:
  explicit ShardMetrics(int shard_index);
  ShardMetrics(const ShardMetrics&) = delete;
  ShardMetrics& operator=(const ShardMetrics&) = delete;
  ~ShardMetrics();

  int shard_index() const { return shard_index_; }

  // Call when the shard starts using `snapshot` (before its first request
  // under it). Builds the id -> counters tables; takes a mutex shared only
  // with scrapers, so call it at the snapshot switch, not per request.
  void OnSnapshot(const Snapshot& snapshot);

  // One answered request. `snapshot` is the one the request ran under
  // (normally given to OnSnapshot at the switch; a request that outlived
  // more reloads than the shard keeps tables for has its table rebuilt
  // here); `route_id` < 0 when no route matched (route=""). Any status, the
  // gateway's own or the upstream's.
  void OnRequest(const Snapshot& snapshot, int route_id, int status,
                 uint64_t duration_ns, uint64_t bytes_in, uint64_t bytes_out);
  void OnUpstreamError(const Snapshot& snapshot, uint32_t upstream_id,
                       UpstreamErrorKind kind);

  // The same without a Snapshot: `key` names an id space (a Snapshot's
  // address above) whose route and upstream names, indexed by id, are given
  // to OnIdSpace first. Used by the Snapshot forms and by tests.
  void OnIdSpace(const void* key, const std::vector<std::string_view>& routes,
                 const std::vector<std::string_view>& upstreams);
  void OnRequest(const void* key, int route_id, int status,
                 uint64_t duration_ns, uint64_t bytes_in, uint64_t bytes_out);
  void OnUpstreamError(const void* key, uint32_t upstream_id,
                       UpstreamErrorKind kind);

  // A token was refused (any reason but kOk).
  void OnAuthRejection(jwt::AuthResult result);
  void SetConnections(ConnectionSide side, int64_t open);
  void OnTokenCache(bool hit);
  // Body bytes forwarded: `copied` through user-space buffers, `spliced`
  // socket to pipe to socket.
  void OnBodyBytes(uint64_t copied, uint64_t spliced);
  // Liveness for the watchdog: the shard's loop turned at `monotonic_ms`
  // (SystemClock::MonotonicMillis()). Call once per loop iteration.
  void Beat(int64_t monotonic_ms) {
    heartbeat_ms_.store(monotonic_ms, std::memory_order_relaxed);
  }
  int64_t last_beat_ms() const {
    return heartbeat_ms_.load(std::memory_order_relaxed);
  }

 private:
  friend class MetricsRegistry;
  struct SnapshotTable;

  RouteCounters* RouteFor(const void* key, int route_id);
  UpstreamCounters* UpstreamFor(const void* key, uint32_t upstream_id);
  RouteCounters* RouteByName(std::string_view name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  UpstreamCounters* UpstreamByName(std::string_view name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const SnapshotTable* TableFor(const void* key);

  const int shard_index_;
  std::atomic<int64_t> heartbeat_ms_{0};

  // Shard-thread only: tables of the snapshots seen most recently, newest
  // first (requests in flight may still run under an older one).
  std::vector<std::unique_ptr<SnapshotTable>> tables_;
  RouteCounters* no_route_;  // owned by routes_

  std::array<SingleWriterCounter, jwt::kAuthResultCount> auth_rejections_;
  std::array<SingleWriterCounter, kDurationBucketsSeconds.size() + 1>
      duration_buckets_;  // non-cumulative; last is +Inf
  SingleWriterCounter duration_sum_ns_;
  std::array<SingleWriterCounter, kConnectionSideCount> connections_;
  SingleWriterCounter cache_hits_;
  SingleWriterCounter cache_misses_;
  SingleWriterCounter body_copied_;
  SingleWriterCounter body_spliced_;

  // Guards the by-name lists (appended on the shard at OnSnapshot, iterated
  // by scrapers). Elements are never removed, so hot-path pointers stay
  // valid for the ShardMetrics' lifetime.
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<RouteCounters>> routes_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<UpstreamCounters>> upstreams_
      ABSL_GUARDED_BY(mu_);
};

// All metrics of the process: one ShardMetrics per shard plus the
// process-level series (config reloads, access-log drops, draining).
// Created by the gateway runner before the shards start and outlives them.
// Thread-safe: shards use their own shard(i); any thread may render.
class MetricsRegistry {
 public:
  explicit MetricsRegistry(int shard_count);
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  int shard_count() const { return static_cast<int>(shards_.size()); }
  ShardMetrics& shard(int i) { return *shards_[i]; }
  const ShardMetrics& shard(int i) const { return *shards_[i]; }

  // Control thread: a SIGHUP reload finished (ok) or was refused.
  void OnConfigReload(bool ok);
  // Renders jwtgate_access_log_dropped_total from `log` (nullptr: none).
  // `log` must outlive the registry or be unset before it is destroyed.
  void SetAccessLog(const AccessLog* log) {
    access_log_.store(log, std::memory_order_release);
  }

  // /healthz answers 503 "starting" until the shards listen (the gateway
  // may wait for remote keys first), 200 while serving, 503 once draining.
  void SetServing(bool serving) {
    serving_.store(serving, std::memory_order_relaxed);
  }
  bool serving() const { return serving_.load(std::memory_order_relaxed); }
  // /healthz answers 503 once draining.
  void SetDraining(bool draining) {
    draining_.store(draining, std::memory_order_relaxed);
  }
  bool draining() const { return draining_.load(std::memory_order_relaxed); }

  // Oldest Beat() over all shards (0 if some shard never beat).
  int64_t OldestHeartbeatMs() const;

  // Control thread: series rendered by another module (the JWKS fetcher's
  // jwtgate_jwks_*), appended to every scrape as whole metric families in
  // Prometheus text. Replaces the previous one; an empty function: none.
  // A scrape in progress keeps the function it copied.
  using SeriesRenderer = std::function<std::string()>;
  void SetExtraSeries(SeriesRenderer render);

  // The Prometheus text exposition (format 0.0.4) of every series, summed
  // over shards.
  std::string RenderPrometheus() const;

 private:
  std::vector<std::unique_ptr<ShardMetrics>> shards_;
  std::atomic<uint64_t> reloads_ok_{0};
  std::atomic<uint64_t> reloads_error_{0};
  std::atomic<const AccessLog*> access_log_{nullptr};
  std::atomic<bool> draining_{false};
  std::atomic<bool> serving_{false};
  mutable absl::Mutex extra_mu_;  // control thread and scrapers only
  SeriesRenderer extra_ ABSL_GUARDED_BY(extra_mu_);
};

// Escapes a Prometheus label value (backslash, double quote, newline).
std::string EscapeLabelValue(std::string_view value);

}  // namespace jwtgate::ops

#endif  // JWTGATE_OPS_METRICS_H_
