// File: jwtgate/jwt/verifier.h
//
// Decides whether a token satisfies a route Policy. One Verifier per shard:
// it owns the shard's verified-token cache and scratch (decode buffers,
// digest/MAC contexts), so it is NOT thread-safe by design.
//
// Checks run cheapest first: size, cache lookup (then exp + rules only),
// segment split, base64url, header JSON (alg/kid/crit), key selection,
// signature, time claims, iss, aud, require rules, claim extraction.
#ifndef JWTGATE_JWT_VERIFIER_H_
#define JWTGATE_JWT_VERIFIER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "jwtgate/jwt/auth_result.h"
#include "jwtgate/jwt/policy.h"

namespace jwtgate::jwt {

inline constexpr size_t kMaxTokenBytes = 8 * 1024;

struct VerifyOutcome {
  AuthResult result = AuthResult::kNoToken;
  // Valid when result == kOk, until the next Verify call on this Verifier.
  // Empty when the token has no string `sub`.
  std::string_view sub;
  // One value per policy.claim_headers entry, same order; empty string_view
  // when the claim is absent (the header is then not sent).
  absl::InlinedVector<std::string_view, 4> claim_values;
  bool cache_hit = false;
};

struct VerifierStats {
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
};

class Verifier {
 public:
  // `cache_entries` bounds the token cache (0 disables it).
  explicit Verifier(size_t cache_entries);
  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  // `token` is the compact JWS (without "Bearer "). `now_unix` comes from the
  // shard's clock (injectable in tests).
  VerifyOutcome Verify(std::string_view token, const Policy& policy,
                       int64_t now_unix);

  // Drops every cached entry (called when a new Snapshot replaces keys).
  void ClearCache();
  const VerifierStats& stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jwtgate::jwt

#endif  // JWTGATE_JWT_VERIFIER_H_
