// File: src/jwt/token_cache.h
//
// A shard's verified-token cache: whole token → what verification learned
// (the key that verified it, the registered claims, the decoded payload for
// rule evaluation). Bounded by entry count, evicting with CLOCK (a
// second-chance approximation of LRU). Entries are never trusted blindly:
// the Verifier re-checks the key, time claims and the policy on every hit.
//
// Thread rule: owned by one Verifier, hence one shard; not thread-safe.
// Pointers returned stay valid until the next Insert, Erase or Clear.
#ifndef JWTGATE_SRC_JWT_TOKEN_CACHE_H_
#define JWTGATE_SRC_JWT_TOKEN_CACHE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "jwt/claims.h"

namespace jwtgate::jwt {

struct CacheEntry {
  uint64_t hash = 0;
  std::string token;
  // Decoded payload JSON followed by SIMDJSON_PADDING zero bytes.
  std::string payload;
  size_t payload_len = 0;
  uint64_t key_id = 0;  // Key::id() of the key that verified the token
  std::string strings;  // backing store of `claims` views
  RegisteredClaims claims;
  bool referenced = false;  // CLOCK bit
  bool live = false;
};

class TokenCache {
 public:
  // Tokens longer than this are verified every time rather than cached, so
  // the cache's memory stays near capacity × a few KiB.
  static constexpr size_t kMaxTokenBytes = 4096;

  explicit TokenCache(size_t capacity);
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  size_t capacity() const { return capacity_; }
  size_t size() const { return index_.size(); }

  // The live entry for `token` (whose hash is `hash`), or nullptr.
  CacheEntry* Find(uint64_t hash, std::string_view token);

  // A slot holding `token`, indexed under `hash`, for the caller to fill.
  // Replaces an entry with the same hash; evicts one when full. Requires
  // capacity() > 0.
  CacheEntry* Insert(uint64_t hash, std::string_view token);

  void Erase(CacheEntry* entry);
  void Clear();

 private:
  CacheEntry* TakeSlot();
  void Evict(CacheEntry& entry);

  size_t capacity_;
  std::vector<CacheEntry> slots_;  // reserved to capacity_: never moves
  std::vector<uint32_t> free_;     // indices of dead slots
  absl::flat_hash_map<uint64_t, uint32_t> index_;  // hash → slot
  size_t hand_ = 0;                                // CLOCK hand
};

}  // namespace jwtgate::jwt

#endif  // JWTGATE_SRC_JWT_TOKEN_CACHE_H_
