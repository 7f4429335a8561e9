// MetricsRegistry: sums the shards' counter blocks and renders the
// Prometheus text exposition format (0.0.4).
#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "jwtgate/ops/access_log.h"
#include "jwtgate/ops/metrics.h"

namespace jwtgate::ops {
namespace {

struct RouteSum {
  std::array<uint64_t, kStatusCodeSlotCount> by_code{};
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
};
using UpstreamSum = std::array<uint64_t, kUpstreamErrorKindCount>;

// Everything a scrape reports, summed over shards. Route and upstream maps
// are ordered so the output is stable from one scrape to the next.
struct Totals {
  std::map<std::string, RouteSum> routes;
  std::map<std::string, UpstreamSum> upstreams;
  std::array<uint64_t, jwt::kAuthResultCount> auth{};
  std::array<uint64_t, kDurationBucketsSeconds.size() + 1> buckets{};
  uint64_t duration_sum_ns = 0;
  std::array<uint64_t, kConnectionSideCount> connections{};
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
  uint64_t body_bytes = 0;
  uint64_t body_copied = 0;
};

void Header(std::string* out, std::string_view name, std::string_view type,
            std::string_view help) {
  // (Plain appends: absl::StrAppend does not take std::string_view in our
  // abseil, whose string_view is its own type.)
  out->append("# HELP ").append(name).append(" ").append(help);
  out->append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Sample(std::string* out, std::string_view name, std::string_view labels,
            uint64_t value) {
  out->append(name);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->append(" ").append(std::to_string(value)).append("\n");
}

std::string Label(std::string_view key, std::string_view value) {
  std::string out(key);
  out.append("=\"").append(EscapeLabelValue(value)).append("\"");
  return out;
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

MetricsRegistry::MetricsRegistry(int shard_count) {
  shards_.reserve(std::max(shard_count, 1));
  for (int i = 0; i < std::max(shard_count, 1); ++i) {
    shards_.push_back(std::make_unique<ShardMetrics>(i));
  }
}

void MetricsRegistry::OnConfigReload(bool ok) {
  (ok ? reloads_ok_ : reloads_error_).fetch_add(1, std::memory_order_relaxed);
}

int64_t MetricsRegistry::OldestHeartbeatMs() const {
  int64_t oldest = INT64_MAX;
  for (const auto& s : shards_) oldest = std::min(oldest, s->last_beat_ms());
  return oldest;
}

std::string MetricsRegistry::RenderPrometheus() const {
  Totals t;
  for (const auto& shard : shards_) {
    const ShardMetrics& s = *shard;
    // Copy the pointers under the lock, read the counters without it: the
    // elements are never freed while the ShardMetrics lives.
    std::vector<const RouteCounters*> routes;
    std::vector<const UpstreamCounters*> upstreams;
    {
      absl::MutexLock lock(&s.mu_);
      for (const auto& r : s.routes_) routes.push_back(r.get());
      for (const auto& u : s.upstreams_) upstreams.push_back(u.get());
    }
    for (const RouteCounters* r : routes) {
      RouteSum& sum = t.routes[r->name];
      for (int i = 0; i < kStatusCodeSlotCount; ++i) {
        sum.by_code[i] += r->by_code[i].Get();
      }
      sum.bytes_in += r->bytes_in.Get();
      sum.bytes_out += r->bytes_out.Get();
    }
    for (const UpstreamCounters* u : upstreams) {
      UpstreamSum& sum = t.upstreams[u->name];
      for (int i = 0; i < kUpstreamErrorKindCount; ++i) {
        sum[i] += u->errors[i].Get();
      }
    }
    for (int i = 0; i < jwt::kAuthResultCount; ++i) {
      t.auth[i] += s.auth_rejections_[i].Get();
    }
    for (size_t i = 0; i < t.buckets.size(); ++i) {
      t.buckets[i] += s.duration_buckets_[i].Get();
    }
    t.duration_sum_ns += s.duration_sum_ns_.Get();
    for (int i = 0; i < kConnectionSideCount; ++i) {
      t.connections[i] += s.connections_[i].Get();
    }
    t.cache_hits += s.cache_hits_.Get();
    t.cache_misses += s.cache_misses_.Get();
    t.body_copied += s.body_copied_.Get();
    t.body_bytes += s.body_copied_.Get() + s.body_spliced_.Get();
  }

  std::string out;
  out.reserve(4096 + t.routes.size() * 256);

  Header(&out, "jwtgate_requests_total", "counter",
         "Requests answered, by route name (\"\" when no route matched) and "
         "status code.");
  for (const auto& [name, sum] : t.routes) {
    for (int i = 0; i < kStatusCodeSlotCount; ++i) {
      if (sum.by_code[i] == 0) continue;
      Sample(&out, "jwtgate_requests_total",
             Label("route", name) + "," + Label("code", StatusCodeSlotLabel(i)),
             sum.by_code[i]);
    }
  }
  Header(&out, "jwtgate_received_bytes_total", "counter",
         "Request bytes read from clients, by route.");
  for (const auto& [name, sum] : t.routes) {
    Sample(&out, "jwtgate_received_bytes_total", Label("route", name),
           sum.bytes_in);
  }
  Header(&out, "jwtgate_sent_bytes_total", "counter",
         "Response bytes sent to clients, by route.");
  for (const auto& [name, sum] : t.routes) {
    Sample(&out, "jwtgate_sent_bytes_total", Label("route", name),
           sum.bytes_out);
  }

  Header(&out, "jwtgate_auth_rejections_total", "counter",
         "Requests refused by the token check, by reason.");
  for (int i = 0; i < jwt::kAuthResultCount; ++i) {
    const auto result = static_cast<jwt::AuthResult>(i);
    if (result == jwt::AuthResult::kOk) continue;
    Sample(&out, "jwtgate_auth_rejections_total",
           Label("reason", jwt::AuthResultName(result)), t.auth[i]);
  }

  Header(&out, "jwtgate_request_duration_seconds", "histogram",
         "Time from the first byte of a request to the end of its answer.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < t.buckets.size(); ++i) {
    cumulative += t.buckets[i];
    const std::string le =
        i < kDurationBucketsSeconds.size()
            ? absl::StrFormat("%g", kDurationBucketsSeconds[i])
            : std::string("+Inf");
    Sample(&out, "jwtgate_request_duration_seconds_bucket", Label("le", le),
           cumulative);
  }
  out.append(absl::StrFormat("jwtgate_request_duration_seconds_sum %.9f\n",
                             t.duration_sum_ns / 1e9));
  // _count is the +Inf bucket, so the two always agree within a scrape.
  Sample(&out, "jwtgate_request_duration_seconds_count", "", cumulative);

  Header(&out, "jwtgate_upstream_errors_total", "counter",
         "Failed upstream exchanges, by upstream and kind.");
  for (const auto& [name, sum] : t.upstreams) {
    for (int i = 0; i < kUpstreamErrorKindCount; ++i) {
      Sample(
          &out, "jwtgate_upstream_errors_total",
          absl::StrCat(Label("upstream", name), ",",
                       Label("kind", UpstreamErrorKindName(
                                         static_cast<UpstreamErrorKind>(i)))),
          sum[i]);
    }
  }

  Header(&out, "jwtgate_connections", "gauge",
         "Open connections, by side (client or upstream).");
  Sample(&out, "jwtgate_connections", Label("side", "client"),
         t.connections[static_cast<int>(ConnectionSide::kClient)]);
  Sample(&out, "jwtgate_connections", Label("side", "upstream"),
         t.connections[static_cast<int>(ConnectionSide::kUpstream)]);

  Header(&out, "jwtgate_token_cache_hits_total", "counter",
         "Tokens found in a shard's verified-token cache.");
  Sample(&out, "jwtgate_token_cache_hits_total", "", t.cache_hits);
  Header(&out, "jwtgate_token_cache_misses_total", "counter",
         "Tokens not in the cache (fully verified).");
  Sample(&out, "jwtgate_token_cache_misses_total", "", t.cache_misses);

  Header(&out, "jwtgate_body_bytes_total", "counter",
         "Request and response body bytes forwarded (both directions).");
  Sample(&out, "jwtgate_body_bytes_total", "", t.body_bytes);
  Header(&out, "jwtgate_body_copied_bytes_total", "counter",
         "Forwarded body bytes that passed through user-space buffers (the "
         "rest was spliced).");
  Sample(&out, "jwtgate_body_copied_bytes_total", "", t.body_copied);

  Header(&out, "jwtgate_config_reloads_total", "counter",
         "SIGHUP reloads, by result (ok or error).");
  Sample(&out, "jwtgate_config_reloads_total", Label("result", "ok"),
         reloads_ok_.load(std::memory_order_relaxed));
  Sample(&out, "jwtgate_config_reloads_total", Label("result", "error"),
         reloads_error_.load(std::memory_order_relaxed));

  const AccessLog* log = access_log_.load(std::memory_order_acquire);
  Header(&out, "jwtgate_access_log_dropped_total", "counter",
         "Access log lines dropped because the writer fell behind.");
  Sample(&out, "jwtgate_access_log_dropped_total", "",
         log == nullptr ? 0 : log->dropped_lines());

  Header(&out, "jwtgate_draining", "gauge",
         "1 while the gateway drains before exit, else 0.");
  Sample(&out, "jwtgate_draining", "", draining() ? 1 : 0);
  Header(&out, "jwtgate_shards", "gauge", "Shards (event loops) running.");
  Sample(&out, "jwtgate_shards", "", shards_.size());

  SeriesRenderer extra;
  {
    absl::MutexLock lock(&extra_mu_);
    extra = extra_;
  }
  if (extra) out.append(extra());
  return out;
}

void MetricsRegistry::SetExtraSeries(SeriesRenderer render) {
  absl::MutexLock lock(&extra_mu_);
  extra_ = std::move(render);
}

}  // namespace jwtgate::ops
