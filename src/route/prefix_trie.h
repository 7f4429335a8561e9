// PrefixTrie: longest-prefix lookup over a fixed set of byte strings, as a
// compressed radix tree flattened into arrays (children of a node are
// contiguous and sorted by first byte). Immutable after construction;
// lookups are const, allocation-free and safe from many threads.
#ifndef JWTGATE_SRC_ROUTE_PREFIX_TRIE_H_
#define JWTGATE_SRC_ROUTE_PREFIX_TRIE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jwtgate {

class PrefixTrie {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // `entries` maps distinct prefixes to values (values != kNone).
  explicit PrefixTrie(
      const std::vector<std::pair<std::string, uint32_t>>& entries);
  PrefixTrie() : PrefixTrie(std::vector<std::pair<std::string, uint32_t>>()) {}

  // Value of the longest entry that is a prefix of `s`, or kNone.
  uint32_t LongestPrefix(std::string_view s) const;

  size_t node_count() const { return nodes_.size(); }

 private:
  struct Node {
    uint32_t label_begin = 0;  // edge label into labels_
    uint32_t label_len = 0;
    uint32_t value = kNone;
    uint32_t first_child = 0;
    uint32_t child_count = 0;
  };
  std::vector<Node> nodes_;           // nodes_[0] is the root
  std::vector<unsigned char> first_;  // first byte of each node's label
  std::string labels_;
};

}  // namespace jwtgate

#endif  // JWTGATE_SRC_ROUTE_PREFIX_TRIE_H_
