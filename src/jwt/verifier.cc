// The per-shard Verifier: cache lookup, then the full check sequence.
#include "jwtgate/jwt/verifier.h"

#include <simdjson.h>

#include <cstring>
#include <memory>
#include <string>

#include "absl/hash/hash.h"
#include "jwt/claim_json.h"
#include "jwt/claim_rule.h"
#include "jwt/claims.h"
#include "jwt/jws.h"
#include "jwt/token_cache.h"
#include "jwtgate/common/base64url.h"

namespace jwtgate::jwt {
namespace {

// Decoded segments never exceed this (an 8 KiB token's largest segment).
constexpr size_t kMaxDecoded = Base64UrlDecodedMaxSize(kMaxTokenBytes);
constexpr size_t kPaddedCapacity = kMaxDecoded + simdjson::SIMDJSON_PADDING;

bool KeyAllowed(const Policy& policy, uint64_t key_id) {
  for (const KeyPtr& key : policy.keys) {
    if (key->id() == key_id) return true;
  }
  return false;
}

// A zeroed, padded decode buffer (simdjson reads up to SIMDJSON_PADDING
// bytes past the end of its input).
std::unique_ptr<uint8_t[]> PaddedBuffer() {
  return std::make_unique<uint8_t[]>(kPaddedCapacity);
}

}  // namespace

class Verifier::Impl {
 public:
  explicit Impl(size_t cache_entries)
      : cache_(cache_entries),
        header_buf_(PaddedBuffer()),
        payload_buf_(PaddedBuffer()),
        sig_buf_(PaddedBuffer()) {
    // Sized once so no parse ever allocates.
    // On failure iterate() retries the allocation itself.
    [[maybe_unused]] auto e1 = header_parser_.allocate(kPaddedCapacity);
    [[maybe_unused]] auto e2 = payload_parser_.allocate(kPaddedCapacity);
    [[maybe_unused]] auto e3 = validator_.allocate(kPaddedCapacity);
    claim_buf_.reserve(1024);
  }

  // Fills `*out` (default-constructed by the caller).
  void Verify(std::string_view token, const Policy& policy, int64_t now,
              VerifyOutcome* out);
  void ClearCache() { cache_.Clear(); }
  const VerifierStats& stats() const { return stats_; }

 private:
  void FromCache(CacheEntry& entry, const Policy& policy, int64_t now,
                 VerifyOutcome* out);
  AuthResult VerifySignature(const JwsParts& parts, const JoseHeader& header,
                             std::string_view signature, const Policy& policy,
                             const Key** used);
  // Require rules, then claim headers (into claim_buf_) and sub.
  AuthResult ApplyPolicyClaims(ondemand::document& doc,
                               const RegisteredClaims& claims,
                               const Policy& policy, VerifyOutcome* out);
  void Remember(uint64_t hash, std::string_view token, const Key& key,
                size_t payload_len, const RegisteredClaims& claims);
  // The whole padded segment is valid JSON (RFC 7519 §7.2). On-Demand
  // checks only the values it reads: `{"alg":"HS256","x":tru}` would pass.
  bool ValidJson(const uint8_t* data, ptrdiff_t len);

  TokenCache cache_;
  VerifierStats stats_;
  ondemand::parser header_parser_;
  ondemand::parser payload_parser_;
  ondemand::document payload_doc_;
  simdjson::dom::parser validator_;  // full validation of both segments
  std::unique_ptr<uint8_t[]> header_buf_;
  std::unique_ptr<uint8_t[]> payload_buf_;
  std::unique_ptr<uint8_t[]> sig_buf_;
  std::string claim_strings_;  // backing of the registered claims' views
  std::string claim_buf_;      // claim header values of the last outcome
};

void Verifier::Impl::Verify(std::string_view token, const Policy& policy,
                            int64_t now, VerifyOutcome* out) {
  if (token.empty()) {
    out->result = AuthResult::kMalformed;
    return;
  }
  if (token.size() > kMaxTokenBytes) {
    out->result = AuthResult::kTokenTooLarge;
    return;
  }

  uint64_t hash = 0;
  if (cache_.capacity() > 0) {
    hash = absl::HashOf(token);
    CacheEntry* entry = cache_.Find(hash, token);
    // A hit counts only if the key that verified it is still one of this
    // route's keys (keys gone after a reload or JWKS refresh are not).
    if (entry != nullptr && KeyAllowed(policy, entry->key_id)) {
      ++stats_.cache_hits;
      FromCache(*entry, policy, now, out);
      return;
    }
    ++stats_.cache_misses;
  }

  // Structure and encoding.
  JwsParts parts;
  if ((out->result = SplitJws(token, &parts)) != AuthResult::kOk) return;
  const ptrdiff_t header_len =
      Base64UrlDecode(parts.header, header_buf_.get(), kMaxDecoded);
  const ptrdiff_t payload_len =
      Base64UrlDecode(parts.payload, payload_buf_.get(), kMaxDecoded);
  const ptrdiff_t sig_len =
      Base64UrlDecode(parts.signature, sig_buf_.get(), kMaxDecoded);
  if (header_len <= 0 || payload_len <= 0 || sig_len < 0) {
    out->result = AuthResult::kMalformed;
    return;
  }
  // Decoding overwrote bytes that may be read as padding: re-zero them.
  std::memset(header_buf_.get() + header_len, 0, simdjson::SIMDJSON_PADDING);
  std::memset(payload_buf_.get() + payload_len, 0, simdjson::SIMDJSON_PADDING);

  // Header, key, signature.
  if (!ValidJson(header_buf_.get(), header_len)) {
    out->result = AuthResult::kMalformed;
    return;
  }
  JoseHeader header;
  out->result = ParseJoseHeader(header_parser_, header_buf_.get(),
                                static_cast<size_t>(header_len),
                                kPaddedCapacity, &header);
  if (out->result != AuthResult::kOk) return;
  const Key* key = nullptr;
  out->result = VerifySignature(
      parts, header,
      std::string_view(reinterpret_cast<const char*>(sig_buf_.get()),
                       static_cast<size_t>(sig_len)),
      policy, &key);
  if (out->result != AuthResult::kOk) return;

  // Claims (a cached payload was validated here before it was cached).
  if (!ValidJson(payload_buf_.get(), payload_len)) {
    out->result = AuthResult::kMalformed;
    return;
  }
  if (payload_parser_
          .iterate(payload_buf_.get(), static_cast<size_t>(payload_len),
                   kPaddedCapacity)
          .get(payload_doc_) != simdjson::SUCCESS) {
    out->result = AuthResult::kMalformed;
    return;
  }
  RegisteredClaims claims;
  out->result = ReadRegisteredClaims(
      payload_doc_, static_cast<size_t>(payload_len), &claim_strings_, &claims);
  if (out->result != AuthResult::kOk) return;
  if (!claims.has_exp) {
    out->result = AuthResult::kMissingExp;
    return;
  }
  if (cache_.capacity() > 0 && token.size() <= TokenCache::kMaxTokenBytes &&
      static_cast<double>(now) <
          claims.exp + static_cast<double>(policy.leeway_seconds)) {
    Remember(hash, token, *key, static_cast<size_t>(payload_len), claims);
  }
  out->result = CheckRegisteredClaims(claims, policy, now);
  if (out->result != AuthResult::kOk) return;
  out->result = ApplyPolicyClaims(payload_doc_, claims, policy, out);
}

AuthResult Verifier::Impl::VerifySignature(const JwsParts& parts,
                                           const JoseHeader& header,
                                           std::string_view signature,
                                           const Policy& policy,
                                           const Key** used) {
  // Candidates: with a kid, the route's keys with that kid; without, its
  // kid-less keys. Among them only keys that support the alg are tried.
  bool any_candidate = false, any_supports = false;
  for (const KeyPtr& key : policy.keys) {
    if (header.has_kid ? key->kid() != header.kid : !key->kid().empty()) {
      continue;
    }
    any_candidate = true;
    if (!key->Supports(header.alg)) continue;
    any_supports = true;
    if (key->Verify(header.alg, parts.signing_input, signature)) {
      *used = key.get();
      return AuthResult::kOk;
    }
  }
  if (!any_candidate) return AuthResult::kNoKey;
  if (!any_supports) return AuthResult::kUnsupportedAlg;
  return AuthResult::kBadSignature;
}

bool Verifier::Impl::ValidJson(const uint8_t* data, ptrdiff_t len) {
  simdjson::dom::element unused;
  return validator_
             .parse(data, static_cast<size_t>(len), /*realloc_if_needed=*/false)
             .get(unused) == simdjson::SUCCESS;
}

void Verifier::Impl::Remember(uint64_t hash, std::string_view token,
                              const Key& key, size_t payload_len,
                              const RegisteredClaims& claims) {
  CacheEntry* e = cache_.Insert(hash, token);
  e->key_id = key.id();
  e->payload_len = payload_len;
  e->payload.assign(reinterpret_cast<const char*>(payload_buf_.get()),
                    payload_len);
  e->payload.append(simdjson::SIMDJSON_PADDING, '\0');
  CopyClaims(claims, &e->strings, &e->claims);
}

void Verifier::Impl::FromCache(CacheEntry& entry, const Policy& policy,
                               int64_t now, VerifyOutcome* out) {
  out->cache_hit = true;
  out->result = CheckRegisteredClaims(entry.claims, policy, now);
  if (out->result == AuthResult::kExpired) {
    cache_.Erase(&entry);
    return;
  }
  if (out->result != AuthResult::kOk) return;
  if (policy.rules.empty() && policy.claim_headers.empty()) {
    // Fast path: no payload parse at all.
    if (entry.claims.has_sub) {
      if (entry.claims.sub_bad) {
        out->result = AuthResult::kBadClaimValue;
        return;
      }
      out->sub = entry.claims.sub;
    }
    return;
  }
  if (payload_parser_
          .iterate(entry.payload.data(), entry.payload_len,
                   entry.payload.size())
          .get(payload_doc_) != simdjson::SUCCESS) {
    out->result = AuthResult::kMalformed;
    return;
  }
  out->result = ApplyPolicyClaims(payload_doc_, entry.claims, policy, out);
}

AuthResult Verifier::Impl::ApplyPolicyClaims(ondemand::document& doc,
                                             const RegisteredClaims& claims,
                                             const Policy& policy,
                                             VerifyOutcome* out) {
  for (const ClaimRulePtr& rule : policy.rules) {
    // Every ClaimRule is a ClaimRuleImpl: its constructor is private to
    // ClaimRule::Parse.
    const auto& impl = static_cast<const ClaimRuleImpl&>(*rule);
    ondemand::value v;
    const bool found = FindClaim(doc, impl.path(), &v);
    if (!impl.Holds(found, v)) return AuthResult::kInsufficientScope;
  }

  claim_buf_.clear();
  struct Span {
    size_t at, len;
  };
  absl::InlinedVector<Span, 4> spans;
  for (const ClaimHeader& ch : policy.claim_headers) {
    ondemand::value v;
    const size_t at = claim_buf_.size();
    if (FindClaim(doc, ch.claim, &v) && !AppendHeaderValue(v, &claim_buf_)) {
      return AuthResult::kBadClaimValue;
    }
    spans.push_back({at, claim_buf_.size() - at});
  }
  // Views are made only now: claim_buf_ may have grown above.
  out->claim_values.clear();
  for (const Span& s : spans) {
    out->claim_values.push_back(
        std::string_view(claim_buf_.data() + s.at, s.len));
  }
  if (claims.has_sub) {
    if (claims.sub_bad) return AuthResult::kBadClaimValue;
    out->sub = claims.sub;
  }
  return AuthResult::kOk;
}

Verifier::Verifier(size_t cache_entries)
    : impl_(std::make_unique<Impl>(cache_entries)) {}

Verifier::~Verifier() = default;

VerifyOutcome Verifier::Verify(std::string_view token, const Policy& policy,
                               int64_t now_unix) {
  VerifyOutcome out;
  impl_->Verify(token, policy, now_unix, &out);
  return out;
}

void Verifier::ClearCache() { impl_->ClearCache(); }

const VerifierStats& Verifier::stats() const { return impl_->stats(); }

}  // namespace jwtgate::jwt
