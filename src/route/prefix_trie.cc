// PrefixTrie: build through an uncompressed byte trie, then flatten it
// breadth-first, merging chains of single-child, value-less nodes into one
// edge label.
#include "route/prefix_trie.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>

namespace jwtgate {
namespace {

struct BuildNode {
  std::map<unsigned char, size_t> kids;  // ordered: children sorted by byte
  uint32_t value = PrefixTrie::kNone;
};

}  // namespace

PrefixTrie::PrefixTrie(
    const std::vector<std::pair<std::string, uint32_t>>& entries) {
  std::vector<BuildNode> tmp(1);
  for (const auto& [prefix, value] : entries) {
    size_t n = 0;
    for (char ch : prefix) {
      const auto c = static_cast<unsigned char>(ch);
      auto it = tmp[n].kids.find(c);
      if (it == tmp[n].kids.end()) {
        tmp.emplace_back();
        it = tmp[n].kids.emplace(c, tmp.size() - 1).first;
      }
      n = it->second;
    }
    tmp[n].value = value;
  }

  nodes_.emplace_back();
  first_.push_back(0);
  nodes_[0].value = tmp[0].value;
  // (flat index, build index) pairs whose children are still to be laid out.
  std::deque<std::pair<size_t, size_t>> queue = {{0, 0}};
  while (!queue.empty()) {
    const auto [flat, build] = queue.front();
    queue.pop_front();
    nodes_[flat].first_child = static_cast<uint32_t>(nodes_.size());
    nodes_[flat].child_count = static_cast<uint32_t>(tmp[build].kids.size());
    for (const auto& [byte, kid] : tmp[build].kids) {
      Node node;
      node.label_begin = static_cast<uint32_t>(labels_.size());
      labels_.push_back(static_cast<char>(byte));
      size_t end = kid;
      while (tmp[end].value == kNone && tmp[end].kids.size() == 1) {
        labels_.push_back(static_cast<char>(tmp[end].kids.begin()->first));
        end = tmp[end].kids.begin()->second;
      }
      node.label_len = static_cast<uint32_t>(labels_.size()) - node.label_begin;
      node.value = tmp[end].value;
      nodes_.push_back(node);
      first_.push_back(byte);
      queue.emplace_back(nodes_.size() - 1, end);
    }
  }
}

uint32_t PrefixTrie::LongestPrefix(std::string_view s) const {
  const Node* node = nodes_.data();
  uint32_t best = node->value;
  size_t pos = 0;
  while (node->child_count != 0 && pos < s.size()) {
    const auto c = static_cast<unsigned char>(s[pos]);
    const unsigned char* begin = first_.data() + node->first_child;
    const unsigned char* end = begin + node->child_count;
    const unsigned char* hit;
    if (node->child_count <= 8) {
      hit = begin;
      while (hit != end && *hit != c) ++hit;
    } else {
      hit = std::lower_bound(begin, end, c);
    }
    if (hit == end || *hit != c) break;
    const Node& child = nodes_[node->first_child + (hit - begin)];
    if (child.label_len > s.size() - pos ||
        std::memcmp(labels_.data() + child.label_begin, s.data() + pos,
                    child.label_len) != 0) {
      break;
    }
    pos += child.label_len;
    if (child.value != kNone) best = child.value;
    node = &child;
  }
  return best;
}

}  // namespace jwtgate
