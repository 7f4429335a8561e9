// [gateway]: listeners, shard count, logging, limits and timeouts.
#include <algorithm>

#include "config/sections.h"
#include "config/text.h"
#include "jwtgate/config/values.h"

namespace jwtgate::config {
namespace {

constexpr KeyRule kGatewayRules[] = {
    {"listen", true},        {"shards"},
    {"metrics_listen"},      {"access_log"},
    {"log_level"},           {"max_header_bytes"},
    {"max_body_bytes"},      {"client_header_timeout"},
    {"client_idle_timeout"}, {"upstream_connect_timeout"},
    {"upstream_timeout"},    {"drain_timeout"},
    {"token_cache_entries"},
};

constexpr int64_t kMaxTimeoutMs = int64_t{24} * 3600 * 1000;

// Reads duration `key` into `*out_ms` if present. `min_ms` is 0 or 1.
void ReadTimeout(const SectionReader& in, std::string_view key, int64_t min_ms,
                 uint32_t* out_ms) {
  const IniEntry* e = in.Get(key);
  if (e == nullptr) return;
  absl::StatusOr<int64_t> ms = ParseDurationMs(e->value);
  if (!ms.ok()) {
    in.Error(*e, ms.status());
  } else if (*ms < min_ms || *ms > kMaxTimeoutMs) {
    in.Error(*e, Cat("'", e->value, "' is out of range ",
                     min_ms == 0 ? "0" : "1ms", "-24h"));
  } else {
    *out_ms = static_cast<uint32_t>(*ms);
  }
}

void ReadListen(const SectionReader& in, GatewaySettings* out) {
  for (const IniEntry* e : in.GetAll("listen")) {
    absl::StatusOr<std::vector<std::string>> items = SplitList(e->value);
    if (!items.ok()) {
      in.Error(*e, items.status());
      continue;
    }
    for (const std::string& item : *items) {
      absl::StatusOr<SocketAddress> addr = SocketAddress::Parse(item);
      if (!addr.ok()) {
        in.Error(*e, addr.status());
        continue;
      }
      bool dup = false;
      for (const SocketAddress& a : out->listen) dup = dup || a == *addr;
      if (dup) {
        in.Error(*e, Cat(addr->ToString(), " is listed twice"));
        continue;
      }
      out->listen.push_back(*addr);
    }
  }
}

void ReadLogging(const SectionReader& in, GatewaySettings* out) {
  if (const IniEntry* e = in.Get("access_log")) {
    if (e->value == "off") {
      out->access_log = GatewaySettings::AccessLog::kOff;
    } else if (e->value == "stderr") {
      out->access_log = GatewaySettings::AccessLog::kStderr;
    } else if (e->value.front() == '/') {
      out->access_log = GatewaySettings::AccessLog::kFile;
      out->access_log_path = e->value;
    } else {
      in.Error(*e, Cat("expected off, stderr or an absolute path, "
                       "got '",
                       e->value, "'"));
    }
  }
  if (const IniEntry* e = in.Get("log_level")) {
    constexpr std::string_view kLevels[] = {"error", "warn", "info", "debug"};
    bool found = false;
    for (int i = 0; i < 4; ++i) {
      if (e->value == kLevels[i]) {
        out->log_level = i;
        found = true;
      }
    }
    if (!found) {
      in.Error(
          *e, Cat("expected error, warn, info or debug, got '", e->value, "'"));
    }
  }
}

void ReadLimits(const SectionReader& in, GatewaySettings* out) {
  if (const IniEntry* e = in.Get("max_header_bytes")) {
    absl::StatusOr<uint64_t> v = ParseSize(e->value);
    if (!v.ok()) {
      in.Error(*e, v.status());
    } else if (*v < 1024 || *v > 1024 * 1024) {
      in.Error(*e, Cat("'", e->value, "' is out of range 1k-1m"));
    } else {
      out->max_header_bytes = static_cast<uint32_t>(*v);
    }
  }
  if (const IniEntry* e = in.Get("max_body_bytes")) {
    absl::StatusOr<uint64_t> v = ParseSize(e->value);
    if (!v.ok()) {
      in.Error(*e, v.status());
    } else {
      out->max_body_bytes = *v;
    }
  }
  if (const IniEntry* e = in.Get("token_cache_entries")) {
    absl::StatusOr<int64_t> v = ParseInt(e->value, 0, 1 << 24);
    if (!v.ok()) {
      in.Error(*e, v.status());
    } else {
      out->token_cache_entries = static_cast<uint32_t>(*v);
    }
  }
}

}  // namespace

absl::Span<const KeyRule> GatewayKeyRules() { return kGatewayRules; }

void ReadGatewaySection(const SectionReader& in, GatewaySettings* out) {
  if (!in.section().name.empty()) {
    in.SectionError("takes no name: write [gateway]");
  }
  // Only when no listen line was written at all (a bad one has its own
  // message).
  const auto& entries = in.section().entries;
  if (std::none_of(entries.begin(), entries.end(),
                   [](const IniEntry& e) { return e.key == "listen"; })) {
    in.SectionError("needs at least one listen = HOST:PORT");
  }
  ReadListen(in, out);
  if (const IniEntry* e = in.Get("shards")) {
    absl::StatusOr<int64_t> n = ParseInt(e->value, 1, 1024);
    if (e->value == "auto") {
      out->shards = 0;
    } else if (!n.ok()) {
      in.Error(*e,
               Cat("expected auto or a number 1-1024, got '", e->value, "'"));
    } else {
      out->shards = static_cast<int>(*n);
    }
  }
  if (const IniEntry* e = in.Get("metrics_listen")) {
    if (e->value != "off") {
      absl::StatusOr<SocketAddress> addr = SocketAddress::Parse(e->value);
      if (!addr.ok()) {
        in.Error(*e, addr.status());
      } else {
        for (const SocketAddress& a : out->listen) {
          if (a == *addr) {
            in.Error(*e, Cat(addr->ToString(), " is also a listen address"));
          }
        }
        out->metrics_listen = *addr;
      }
    }
  }
  ReadLogging(in, out);
  ReadLimits(in, out);
  ReadTimeout(in, "client_header_timeout", 1, &out->client_header_timeout_ms);
  ReadTimeout(in, "client_idle_timeout", 1, &out->client_idle_timeout_ms);
  ReadTimeout(in, "upstream_connect_timeout", 1,
              &out->upstream_connect_timeout_ms);
  ReadTimeout(in, "upstream_timeout", 1, &out->upstream_timeout_ms);
  ReadTimeout(in, "drain_timeout", 0, &out->drain_timeout_ms);
}

}  // namespace jwtgate::config
