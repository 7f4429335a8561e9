// PrefixTrie and RouteMatcher against a brute-force reference.
#include "route/prefix_trie.h"

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "route/route_matcher.h"

namespace jwtgate {
namespace {

using Entries = std::vector<std::pair<std::string, uint32_t>>;

uint32_t BruteForce(const Entries& entries, std::string_view s) {
  uint32_t best = PrefixTrie::kNone;
  size_t best_len = 0;
  for (const auto& [prefix, value] : entries) {
    if (s.substr(0, prefix.size()) == prefix &&
        (best == PrefixTrie::kNone || prefix.size() > best_len)) {
      best = value;
      best_len = prefix.size();
    }
  }
  return best;
}

TEST(PrefixTrieTest, EmptyMatchesNothing) {
  PrefixTrie trie;
  EXPECT_EQ(trie.LongestPrefix("/"), PrefixTrie::kNone);
  EXPECT_EQ(trie.LongestPrefix(""), PrefixTrie::kNone);
}

TEST(PrefixTrieTest, LongestPrefixWins) {
  PrefixTrie trie({{"/", 0}, {"/api/", 1}, {"/api/v2/", 2}, {"/apix", 3}});
  EXPECT_EQ(trie.LongestPrefix("/"), 0u);
  EXPECT_EQ(trie.LongestPrefix("/other"), 0u);
  EXPECT_EQ(trie.LongestPrefix("/api"), 0u);  // byte prefix: /api/ needs '/'
  EXPECT_EQ(trie.LongestPrefix("/api/"), 1u);
  EXPECT_EQ(trie.LongestPrefix("/api/v1/x"), 1u);
  EXPECT_EQ(trie.LongestPrefix("/api/v2/x"), 2u);
  EXPECT_EQ(trie.LongestPrefix("/api/v2"), 1u);
  EXPECT_EQ(trie.LongestPrefix("/apix/y"), 3u);
  EXPECT_EQ(trie.LongestPrefix(""), PrefixTrie::kNone);
}

TEST(PrefixTrieTest, NoCatchAllMeansNoMatch) {
  PrefixTrie trie({{"/a/", 0}, {"/b/", 1}});
  EXPECT_EQ(trie.LongestPrefix("/c/"), PrefixTrie::kNone);
  EXPECT_EQ(trie.LongestPrefix("/a"), PrefixTrie::kNone);
  EXPECT_EQ(trie.LongestPrefix("/b/x"), 1u);
}

TEST(PrefixTrieTest, ManyChildrenUseBinarySearch) {
  Entries entries;
  for (int c = 0; c < 64; ++c) {
    entries.push_back({std::string("/") + static_cast<char>('0' + c),
                       static_cast<uint32_t>(c)});
  }
  PrefixTrie trie(entries);
  for (int c = 0; c < 64; ++c) {
    std::string path = std::string("/") + static_cast<char>('0' + c) + "/z";
    EXPECT_EQ(trie.LongestPrefix(path), static_cast<uint32_t>(c)) << path;
  }
  EXPECT_EQ(trie.LongestPrefix("/~"), PrefixTrie::kNone);
}

TEST(PrefixTrieTest, RandomAgainstBruteForce) {
  std::mt19937 rng(12345);
  const std::string alphabet = "/ab.-";
  auto random_string = [&](size_t max_len) {
    std::string s = "/";
    const size_t len = rng() % max_len;
    for (size_t i = 0; i < len; ++i) s += alphabet[rng() % alphabet.size()];
    return s;
  };
  for (int round = 0; round < 20; ++round) {
    Entries entries;
    std::vector<std::string> seen;
    for (uint32_t i = 0; i < 200; ++i) {
      std::string p = random_string(10);
      if (std::find(seen.begin(), seen.end(), p) != seen.end()) continue;
      seen.push_back(p);
      entries.push_back({p, i});
    }
    PrefixTrie trie(entries);
    for (int q = 0; q < 500; ++q) {
      const std::string path = random_string(14);
      ASSERT_EQ(trie.LongestPrefix(path), BruteForce(entries, path)) << path;
    }
  }
}

TEST(RouteMatcherTest, CanonicalHost) {
  char buf[RouteMatcher::kMaxHost];
  auto canon = [&](std::string_view h) {
    int n = RouteMatcher::CanonicalHost(h, buf);
    return n < 0 ? std::string("<too long>") : std::string(buf, n);
  };
  EXPECT_EQ(canon("API.Example.COM"), "api.example.com");
  EXPECT_EQ(canon("api.example.com:8443"), "api.example.com");
  EXPECT_EQ(canon("api.example.com."), "api.example.com");
  EXPECT_EQ(canon("[::1]:8080"), "[::1]");
  EXPECT_EQ(canon("[::1]"), "[::1]");
  EXPECT_EQ(canon(std::string(300, 'a')), "<too long>");
}

}  // namespace
}  // namespace jwtgate
