// RouteMatcher: (Host, normalised path) -> route index. Routes with a host
// live in one PrefixTrie per host (found through a hash map keyed by the
// lower-case host); host-less routes share one more trie. A matching host
// route beats every host-less route; within a group the longest path_prefix
// wins. Immutable after construction; Match is const, allocation-free and
// safe from many threads.
#ifndef JWTGATE_SRC_ROUTE_ROUTE_MATCHER_H_
#define JWTGATE_SRC_ROUTE_ROUTE_MATCHER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "route/prefix_trie.h"

namespace jwtgate {

class RouteMatcher {
 public:
  static constexpr uint32_t kNoRoute = PrefixTrie::kNone;

  struct Entry {
    std::string host;  // lower-case, no port; empty: any host
    std::string path_prefix;
    uint32_t route_id;
  };
  // Host+prefix pairs must be distinct (the config loader checks it).
  explicit RouteMatcher(const std::vector<Entry>& entries);

  // `host` is the Host header as received (any case, optional `:port`,
  // optional trailing dot).
  uint32_t Match(std::string_view host, std::string_view path) const;

  // Lower-cases `host` into `buf` (capacity kMaxHost) without its port and
  // trailing dot; returns the length, or -1 if it does not fit.
  static constexpr size_t kMaxHost = 256;
  static int CanonicalHost(std::string_view host, char* buf);

 private:
  absl::flat_hash_map<std::string, uint32_t> host_index_;  // -> by_host_
  std::vector<PrefixTrie> by_host_;
  PrefixTrie any_host_;
};

}  // namespace jwtgate

#endif  // JWTGATE_SRC_ROUTE_ROUTE_MATCHER_H_
