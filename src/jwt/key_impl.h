// File: src/jwt/key_impl.h
//
// The two concrete Key kinds behind jwt::Key. Private to src/jwt; everything
// else sees them as `const Key`.
//
// Thread rule (both classes): immutable after construction; Verify is const
// and may run on many threads at once. Per-call OpenSSL scratch comes from a
// thread-local context (ThreadScratchMdCtx), never from the key.
#ifndef JWTGATE_SRC_JWT_KEY_IMPL_H_
#define JWTGATE_SRC_JWT_KEY_IMPL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "jwt/openssl_util.h"
#include "jwtgate/jwt/key.h"

namespace jwtgate::jwt {

// An EVP_MD_CTX owned by the calling thread, reused by every verification on
// it (freed when the thread exits).
EVP_MD_CTX* ThreadScratchMdCtx();

// HMAC key (HS256/384/512). Holds the digest state after absorbing the
// key's inner and outer pads, so a verification copies two midstates
// instead of re-keying.
class HmacKey final : public Key {
 public:
  static absl::StatusOr<std::shared_ptr<const HmacKey>> Create(
      std::string name, Alg alg, std::string_view secret, std::string kid);

  bool Verify(Alg alg, std::string_view signing_input,
              std::string_view signature) const override;

  // Writes HMAC(secret, data) into `mac` (DigestSize(alg) bytes). Returns
  // false only on an OpenSSL failure.
  bool Compute(std::string_view data, uint8_t* mac) const;

  Alg alg() const { return alg_; }

 private:
  HmacKey(std::string name, std::string kid, Alg alg);

  Alg alg_;
  size_t mac_size_ = 0;
  EvpMdCtxPtr inner_;  // digest state after H(key ^ ipad)
  EvpMdCtxPtr outer_;  // digest state after H(key ^ opad)
};

// RSA (RS*, PS*), EC (ES* of one curve) or Ed25519 public key.
class PublicKey final : public Key {
 public:
  // `algs` must all be valid for `pkey`'s type (the callers check).
  PublicKey(std::string name, std::string kid, AlgMask algs, EvpPkeyPtr pkey);

  bool Verify(Alg alg, std::string_view signing_input,
              std::string_view signature) const override;

  EVP_PKEY* pkey() const { return pkey_.get(); }

 private:
  EvpPkeyPtr pkey_;
};

// Checks that `pkey` can carry `alg` (RSA ≥ 2048 bits for RS*/PS*, the
// matching curve for ES*, Ed25519 for EdDSA). The message names `what`.
absl::Status CheckKeyFitsAlg(EVP_PKEY* pkey, Alg alg, std::string_view what);

// The algorithms a public key supports when nothing narrows it (a JWK
// without "alg"): RSA → RS*+PS*, EC → ES* of its curve, Ed25519 → EdDSA.
AlgMask DefaultAlgsFor(EVP_PKEY* pkey);

// RFC 7518 §3.2: an HMAC key must be at least as long as the hash output.
absl::Status CheckHmacSecret(Alg alg, size_t secret_size,
                             std::string_view what);

}  // namespace jwtgate::jwt

#endif  // JWTGATE_SRC_JWT_KEY_IMPL_H_
