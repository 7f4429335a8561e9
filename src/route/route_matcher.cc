// RouteMatcher: per-host tries plus one host-less trie.
#include "route/route_matcher.h"

#include <utility>

namespace jwtgate {

RouteMatcher::RouteMatcher(const std::vector<Entry>& entries) {
  std::vector<std::vector<std::pair<std::string, uint32_t>>> per_host;
  std::vector<std::pair<std::string, uint32_t>> any;
  for (const Entry& e : entries) {
    if (e.host.empty()) {
      any.emplace_back(e.path_prefix, e.route_id);
      continue;
    }
    auto [it, inserted] =
        host_index_.emplace(e.host, static_cast<uint32_t>(per_host.size()));
    if (inserted) per_host.emplace_back();
    per_host[it->second].emplace_back(e.path_prefix, e.route_id);
  }
  by_host_.reserve(per_host.size());
  for (const auto& list : per_host) by_host_.emplace_back(list);
  any_host_ = PrefixTrie(any);
}

int RouteMatcher::CanonicalHost(std::string_view host, char* buf) {
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close != std::string_view::npos) host = host.substr(0, close + 1);
  } else {
    const size_t colon = host.find(':');
    if (colon != std::string_view::npos) host = host.substr(0, colon);
  }
  if (host.size() > 1 && host.back() == '.') host.remove_suffix(1);
  if (host.size() > kMaxHost) return -1;
  for (size_t i = 0; i < host.size(); ++i) {
    const char c = host[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
  }
  return static_cast<int>(host.size());
}

uint32_t RouteMatcher::Match(std::string_view host,
                             std::string_view path) const {
  if (!host_index_.empty() && !host.empty()) {
    char buf[kMaxHost];
    const int len = CanonicalHost(host, buf);
    if (len > 0) {
      auto it = host_index_.find(absl::string_view(buf, len));
      if (it != host_index_.end()) {
        const uint32_t id = by_host_[it->second].LongestPrefix(path);
        if (id != kNoRoute) return id;
      }
    }
  }
  return any_host_.LongestPrefix(path);
}

}  // namespace jwtgate
