// HMAC keys: pre-absorbed inner/outer pads, copied per verification.
#include <openssl/crypto.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "jwt/key_impl.h"
#include "jwt/strings.h"

namespace jwtgate::jwt {
namespace {

constexpr size_t kMaxBlock = 128;  // SHA-384/512 block size
constexpr size_t kMaxMac = 64;

}  // namespace

absl::Status CheckHmacSecret(Alg alg, size_t secret_size,
                             std::string_view what) {
  if (secret_size == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": secret is empty"));
  }
  const size_t min = DigestSize(alg);
  if (secret_size < min) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": secret is ", secret_size, " bytes; ",
                     ToAbsl(AlgName(alg)), " needs at least ", min,
                     " (RFC 7518 section 3.2)"));
  }
  return absl::OkStatus();
}

HmacKey::HmacKey(std::string name, std::string kid, Alg alg)
    : Key(std::move(name), std::move(kid), AlgBit(alg)), alg_(alg) {}

absl::StatusOr<std::shared_ptr<const HmacKey>> HmacKey::Create(
    std::string name, Alg alg, std::string_view secret, std::string kid) {
  if (!IsHmac(alg)) {
    return absl::InvalidArgumentError(
        absl::StrCat("key ", name, ": ", ToAbsl(AlgName(alg)),
                     " is not an HMAC alg (use HS256, HS384 or HS512)"));
  }
  const EVP_MD* md = DigestFor(alg);
  const size_t block = static_cast<size_t>(EVP_MD_get_block_size(md));
  std::shared_ptr<HmacKey> key(
      new HmacKey(std::move(name), std::move(kid), alg));
  key->mac_size_ = static_cast<size_t>(EVP_MD_get_size(md));

  // RFC 2104: keys longer than a block are hashed first, then zero-padded.
  uint8_t k[kMaxBlock] = {};
  if (secret.size() > block) {
    unsigned int len = 0;
    if (EVP_Digest(secret.data(), secret.size(), k, &len, md, nullptr) != 1) {
      return absl::InternalError(TakeOpenSslError());
    }
  } else {
    std::memcpy(k, secret.data(), secret.size());
  }
  uint8_t ipad[kMaxBlock], opad[kMaxBlock];
  for (size_t i = 0; i < block; ++i) {
    ipad[i] = k[i] ^ 0x36;
    opad[i] = k[i] ^ 0x5c;
  }
  OPENSSL_cleanse(k, sizeof(k));
  key->inner_.reset(EVP_MD_CTX_new());
  key->outer_.reset(EVP_MD_CTX_new());
  const bool ok = key->inner_ != nullptr && key->outer_ != nullptr &&
                  EVP_DigestInit_ex2(key->inner_.get(), md, nullptr) == 1 &&
                  EVP_DigestUpdate(key->inner_.get(), ipad, block) == 1 &&
                  EVP_DigestInit_ex2(key->outer_.get(), md, nullptr) == 1 &&
                  EVP_DigestUpdate(key->outer_.get(), opad, block) == 1;
  OPENSSL_cleanse(ipad, sizeof(ipad));
  OPENSSL_cleanse(opad, sizeof(opad));
  if (!ok) return absl::InternalError(TakeOpenSslError());
  return std::shared_ptr<const HmacKey>(std::move(key));
}

bool HmacKey::Compute(std::string_view data, uint8_t* mac) const {
  EVP_MD_CTX* ctx = ThreadScratchMdCtx();
  uint8_t inner[kMaxMac];
  unsigned int len = 0;
  return ctx != nullptr && EVP_MD_CTX_copy_ex(ctx, inner_.get()) == 1 &&
         EVP_DigestUpdate(ctx, data.data(), data.size()) == 1 &&
         EVP_DigestFinal_ex(ctx, inner, &len) == 1 &&
         EVP_MD_CTX_copy_ex(ctx, outer_.get()) == 1 &&
         EVP_DigestUpdate(ctx, inner, len) == 1 &&
         EVP_DigestFinal_ex(ctx, mac, &len) == 1;
}

bool HmacKey::Verify(Alg alg, std::string_view signing_input,
                     std::string_view signature) const {
  if (alg != alg_ || signature.size() != mac_size_) return false;
  uint8_t mac[kMaxMac];
  if (!Compute(signing_input, mac)) return false;
  return CRYPTO_memcmp(mac, signature.data(), mac_size_) == 0;
}

}  // namespace jwtgate::jwt
