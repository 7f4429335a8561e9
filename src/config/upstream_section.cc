// [upstream NAME]: the servers a route forwards to.
#include "config/sections.h"
#include "config/text.h"
#include "jwtgate/config/values.h"

namespace jwtgate::config {
namespace {

constexpr KeyRule kUpstreamRules[] = {
    {"server", true},
    {"keepalive"},
};

}  // namespace

absl::Span<const KeyRule> UpstreamKeyRules() { return kUpstreamRules; }

void ReadUpstreamSection(const SectionReader& in, UpstreamConfig* out) {
  out->name = in.section().name;
  out->line = in.section().line;
  if (out->name.empty()) in.SectionError("needs a name: [upstream NAME]");

  std::vector<const IniEntry*> servers = in.GetAll("server");
  if (servers.empty()) {
    in.SectionError("needs at least one server = HOST:PORT");
  }
  for (const IniEntry* e : servers) {
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
      out->servers.push_back(*addr);
    }
  }
  if (const IniEntry* e = in.Get("keepalive")) {
    absl::StatusOr<int64_t> n = ParseInt(e->value, 0, 4096);
    if (!n.ok()) {
      in.Error(*e, n.status());
    } else {
      out->keepalive = static_cast<uint32_t>(*n);
    }
  }
}

}  // namespace jwtgate::config
