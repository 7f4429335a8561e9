// CLOCK-evicted verified-token cache.
#include "jwt/token_cache.h"

namespace jwtgate::jwt {

TokenCache::TokenCache(size_t capacity) : capacity_(capacity) {
  slots_.reserve(capacity_);
  index_.reserve(capacity_);
}

CacheEntry* TokenCache::Find(uint64_t hash, std::string_view token) {
  const auto it = index_.find(hash);
  if (it == index_.end()) return nullptr;
  CacheEntry& e = slots_[it->second];
  if (e.token != token) return nullptr;  // 64-bit hash collision
  e.referenced = true;
  return &e;
}

CacheEntry* TokenCache::TakeSlot() {
  if (!free_.empty()) {
    const uint32_t i = free_.back();
    free_.pop_back();
    return &slots_[i];
  }
  if (slots_.size() < capacity_) return &slots_.emplace_back();
  // Full: sweep the hand, giving referenced entries a second chance. Ends
  // within two turns since each pass clears the bits it skips.
  for (;;) {
    CacheEntry& e = slots_[hand_];
    hand_ = (hand_ + 1) % slots_.size();
    if (e.referenced) {
      e.referenced = false;
      continue;
    }
    Evict(e);
    free_.pop_back();  // Evict pushed this slot; we take it right away
    return &e;
  }
}

CacheEntry* TokenCache::Insert(uint64_t hash, std::string_view token) {
  if (auto it = index_.find(hash); it != index_.end()) {
    Evict(slots_[it->second]);
  }
  CacheEntry* e = TakeSlot();
  e->hash = hash;
  e->token.assign(token);
  e->referenced = false;
  e->live = true;
  index_[hash] = static_cast<uint32_t>(e - slots_.data());
  return e;
}

void TokenCache::Evict(CacheEntry& e) {
  if (!e.live) return;
  index_.erase(e.hash);
  e.live = false;
  e.referenced = false;
  free_.push_back(static_cast<uint32_t>(&e - slots_.data()));
}

void TokenCache::Erase(CacheEntry* entry) { Evict(*entry); }

void TokenCache::Clear() {
  for (CacheEntry& e : slots_) Evict(e);
}

}  // namespace jwtgate::jwt
