// ShardMetrics: the single-writer counter block of one shard, and the
// status-code slot table shared with the renderer.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "jwtgate/ops/metrics.h"

namespace jwtgate::ops {
namespace {

// Codes with their own slot (IANA HTTP status code registry).
constexpr int kRegisteredCodes[] = {
    100, 101, 102, 103,                                //
    200, 201, 202, 203, 204, 205, 206, 207, 208, 226,  //
    300, 301, 302, 303, 304, 305, 307, 308,            //
    400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413,
    414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431,
    451,  //
    500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511};
constexpr int kRegisteredCount =
    static_cast<int>(sizeof(kRegisteredCodes) / sizeof(kRegisteredCodes[0]));
// After the registered codes: one slot per class 1xx..5xx, then "other".
constexpr int kClassSlotBase = kRegisteredCount;
constexpr int kOtherSlot = kClassSlotBase + 5;
static_assert(kOtherSlot + 1 == kStatusCodeSlotCount,
              "kStatusCodeSlotCount must match the code table");

struct SlotTable {
  std::array<uint8_t, 600> slot_of_code{};
  std::array<std::array<char, 6>, kStatusCodeSlotCount> label{};
};

constexpr SlotTable MakeSlotTable() {
  SlotTable t;
  for (int code = 100; code < 600; ++code) {
    t.slot_of_code[code] =
        static_cast<uint8_t>(kClassSlotBase + code / 100 - 1);
  }
  for (int i = 0; i < kRegisteredCount; ++i) {
    const int code = kRegisteredCodes[i];
    t.slot_of_code[code] = static_cast<uint8_t>(i);
    t.label[i] = {static_cast<char>('0' + code / 100),
                  static_cast<char>('0' + code / 10 % 10),
                  static_cast<char>('0' + code % 10),
                  0,
                  0,
                  0};
  }
  for (int c = 1; c <= 5; ++c) {
    t.label[kClassSlotBase + c - 1] = {
        static_cast<char>('0' + c), 'x', 'x', 0, 0, 0};
  }
  t.label[kOtherSlot] = {'o', 't', 'h', 'e', 'r', 0};
  return t;
}

constexpr SlotTable kSlots = MakeSlotTable();

// Bucket upper bounds in nanoseconds, for integer compares on the hot path.
constexpr std::array<uint64_t, kDurationBucketsSeconds.size()> MakeBoundsNs() {
  std::array<uint64_t, kDurationBucketsSeconds.size()> out{};
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<uint64_t>(kDurationBucketsSeconds[i] * 1e9 + 0.5);
  }
  return out;
}
constexpr auto kBucketBoundsNs = MakeBoundsNs();

// How many id spaces (snapshots) a shard keeps tables for: requests in
// flight may finish under a snapshot a few reloads old (older ones are
// rebuilt on demand by the Snapshot forms).
constexpr size_t kMaxTables = 8;

}  // namespace

int StatusCodeSlot(int status) {
  if (status < 100 || status >= 600) return kOtherSlot;
  return kSlots.slot_of_code[status];
}

std::string_view StatusCodeSlotLabel(int slot) {
  if (slot < 0 || slot >= kStatusCodeSlotCount) return "other";
  return std::string_view(kSlots.label[slot].data());
}

std::string_view UpstreamErrorKindName(UpstreamErrorKind kind) {
  switch (kind) {
    case UpstreamErrorKind::kRefused:
      return "refused";
    case UpstreamErrorKind::kReset:
      return "reset";
    case UpstreamErrorKind::kTimeout:
      return "timeout";
    case UpstreamErrorKind::kConnectTimeout:
      return "connect_timeout";
    case UpstreamErrorKind::kBadResponse:
      return "bad_response";
  }
  return "unknown";
}

// The id -> counters tables of one Snapshot, owned by the shard.
struct ShardMetrics::SnapshotTable {
  const void* key = nullptr;                 // the Snapshot's address
  std::vector<RouteCounters*> routes;        // by Route::id
  std::vector<UpstreamCounters*> upstreams;  // by Upstream::id
};

ShardMetrics::ShardMetrics(int shard_index) : shard_index_(shard_index) {
  absl::MutexLock lock(&mu_);
  no_route_ = RouteByName("");
}

ShardMetrics::~ShardMetrics() = default;

RouteCounters* ShardMetrics::RouteByName(std::string_view name) {
  for (const auto& r : routes_) {
    if (r->name == name) return r.get();
  }
  routes_.push_back(std::make_unique<RouteCounters>());
  routes_.back()->name = std::string(name);
  return routes_.back().get();
}

UpstreamCounters* ShardMetrics::UpstreamByName(std::string_view name) {
  for (const auto& u : upstreams_) {
    if (u->name == name) return u.get();
  }
  upstreams_.push_back(std::make_unique<UpstreamCounters>());
  upstreams_.back()->name = std::string(name);
  return upstreams_.back().get();
}

void ShardMetrics::OnSnapshot(const Snapshot& snapshot) {
  std::vector<std::string_view> routes(snapshot.routes().size());
  for (const Route& route : snapshot.routes()) {
    if (route.id < routes.size()) routes[route.id] = route.name;
  }
  std::vector<std::string_view> upstreams(snapshot.upstreams().size());
  for (const Upstream& upstream : snapshot.upstreams()) {
    if (upstream.id < upstreams.size()) upstreams[upstream.id] = upstream.name;
  }
  OnIdSpace(&snapshot, routes, upstreams);
}

void ShardMetrics::OnRequest(const Snapshot& snapshot, int route_id, int status,
                             uint64_t duration_ns, uint64_t bytes_in,
                             uint64_t bytes_out) {
  if (TableFor(&snapshot) == nullptr) OnSnapshot(snapshot);
  OnRequest(static_cast<const void*>(&snapshot), route_id, status, duration_ns,
            bytes_in, bytes_out);
}

void ShardMetrics::OnUpstreamError(const Snapshot& snapshot,
                                   uint32_t upstream_id,
                                   UpstreamErrorKind kind) {
  if (TableFor(&snapshot) == nullptr) OnSnapshot(snapshot);
  OnUpstreamError(static_cast<const void*>(&snapshot), upstream_id, kind);
}

void ShardMetrics::OnIdSpace(const void* key,
                             const std::vector<std::string_view>& routes,
                             const std::vector<std::string_view>& upstreams) {
  auto table = std::make_unique<SnapshotTable>();
  table->key = key;
  {
    absl::MutexLock lock(&mu_);
    for (std::string_view name : routes) {
      table->routes.push_back(RouteByName(name));
    }
    for (std::string_view name : upstreams) {
      table->upstreams.push_back(UpstreamByName(name));
    }
  }
  // A snapshot freed earlier may have had this address: replace its table.
  std::erase_if(tables_, [&](const std::unique_ptr<SnapshotTable>& t) {
    return t->key == key;
  });
  tables_.insert(tables_.begin(), std::move(table));
  if (tables_.size() > kMaxTables) tables_.resize(kMaxTables);
}

const ShardMetrics::SnapshotTable* ShardMetrics::TableFor(const void* key) {
  for (const auto& t : tables_) {
    if (t->key == key) return t.get();
  }
  return nullptr;
}

RouteCounters* ShardMetrics::RouteFor(const void* key, int route_id) {
  if (route_id < 0) return no_route_;
  const SnapshotTable* table = TableFor(key);
  if (table == nullptr ||
      static_cast<size_t>(route_id) >= table->routes.size()) {
    return no_route_;
  }
  return table->routes[route_id];
}

UpstreamCounters* ShardMetrics::UpstreamFor(const void* key,
                                            uint32_t upstream_id) {
  const SnapshotTable* table = TableFor(key);
  if (table == nullptr || upstream_id >= table->upstreams.size()) {
    return nullptr;
  }
  return table->upstreams[upstream_id];
}

void ShardMetrics::OnRequest(const void* key, int route_id, int status,
                             uint64_t duration_ns, uint64_t bytes_in,
                             uint64_t bytes_out) {
  RouteCounters* route = RouteFor(key, route_id);
  route->by_code[StatusCodeSlot(status)].Add(1);
  route->bytes_in.Add(bytes_in);
  route->bytes_out.Add(bytes_out);
  size_t bucket = 0;
  while (bucket < kBucketBoundsNs.size() &&
         duration_ns > kBucketBoundsNs[bucket]) {
    ++bucket;
  }
  duration_buckets_[bucket].Add(1);
  duration_sum_ns_.Add(duration_ns);
}

void ShardMetrics::OnAuthRejection(jwt::AuthResult result) {
  const size_t i = static_cast<size_t>(result);
  if (i < auth_rejections_.size()) auth_rejections_[i].Add(1);
}

void ShardMetrics::OnUpstreamError(const void* key, uint32_t upstream_id,
                                   UpstreamErrorKind kind) {
  UpstreamCounters* upstream = UpstreamFor(key, upstream_id);
  if (upstream == nullptr) return;
  upstream->errors[static_cast<size_t>(kind)].Add(1);
}

void ShardMetrics::SetConnections(ConnectionSide side, int64_t open) {
  connections_[static_cast<size_t>(side)].Set(
      static_cast<uint64_t>(std::max<int64_t>(open, 0)));
}

void ShardMetrics::OnTokenCache(bool hit) {
  (hit ? cache_hits_ : cache_misses_).Add(1);
}

void ShardMetrics::OnBodyBytes(uint64_t copied, uint64_t spliced) {
  if (copied > 0) body_copied_.Add(copied);
  if (spliced > 0) body_spliced_.Add(spliced);
}

}  // namespace jwtgate::ops
