// Key identity and the builders for secrets and PEM public keys.
#include "jwtgate/jwt/key.h"

#include <openssl/decoder.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <atomic>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "jwt/key_impl.h"
#include "jwt/strings.h"

namespace jwtgate::jwt {
namespace {

std::atomic<uint64_t> g_next_key_id{1};

using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using DecoderCtxPtr =
    std::unique_ptr<OSSL_DECODER_CTX, OpenSslDeleter<OSSL_DECODER_CTX_free>>;

// Reads a public key from PEM: SubjectPublicKeyInfo ("PUBLIC KEY"), PKCS#1
// ("RSA PUBLIC KEY") or an X.509 certificate ("CERTIFICATE").
absl::StatusOr<EvpPkeyPtr> ReadPublicPem(std::string_view pem,
                                         std::string_view what) {
  if (absl::StrContains(ToAbsl(pem), "PRIVATE KEY-----")) {
    return absl::InvalidArgumentError(absl::StrCat(
        ToAbsl(what),
        ": holds a private key; give the public key (or certificate)"));
  }
  if (absl::StrContains(ToAbsl(pem), "-----BEGIN CERTIFICATE-----")) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                     : nullptr);
    EvpPkeyPtr pkey(cert ? X509_get_pubkey(cert.get()) : nullptr);
    if (pkey == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(what), ": not a readable PEM certificate (",
                       TakeOpenSslError(), ")"));
    }
    return pkey;
  }
  EVP_PKEY* raw = nullptr;
  DecoderCtxPtr dctx(OSSL_DECODER_CTX_new_for_pkey(
      &raw, "PEM", nullptr, nullptr, EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
  const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
  size_t len = pem.size();
  if (dctx == nullptr || OSSL_DECODER_from_data(dctx.get(), &data, &len) != 1 ||
      raw == nullptr) {
    EVP_PKEY_free(raw);
    return absl::InvalidArgumentError(absl::StrCat(
        ToAbsl(what), ": not a PEM public key (", TakeOpenSslError(), ")"));
  }
  return EvpPkeyPtr(raw);
}

}  // namespace

Key::Key(std::string name, std::string kid, AlgMask algs)
    : name_(std::move(name)),
      kid_(std::move(kid)),
      algs_(algs),
      id_(g_next_key_id.fetch_add(1, std::memory_order_relaxed)) {}

absl::StatusOr<KeyPtr> MakeHmacKey(std::string name, Alg alg,
                                   std::string_view secret, std::string kid) {
  absl::Status fits =
      CheckHmacSecret(alg, secret.size(), absl::StrCat("key ", name));
  if (IsHmac(alg) && !fits.ok()) return fits;
  auto key = HmacKey::Create(std::move(name), alg, secret, std::move(kid));
  if (!key.ok()) return key.status();
  return KeyPtr(*std::move(key));
}

absl::StatusOr<KeyPtr> MakePemPublicKey(std::string name, Alg alg,
                                        std::string_view pem, std::string kid) {
  const std::string what = absl::StrCat("key ", name);
  if (IsHmac(alg)) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": ", ToAbsl(AlgName(alg)),
                     " needs a secret, not a public key"));
  }
  auto pkey = ReadPublicPem(pem, what);
  if (!pkey.ok()) return pkey.status();
  absl::Status fits = CheckKeyFitsAlg(pkey->get(), alg, what);
  if (!fits.ok()) return fits;
  return KeyPtr(std::make_shared<PublicKey>(std::move(name), std::move(kid),
                                            AlgBit(alg), *std::move(pkey)));
}

}  // namespace jwtgate::jwt
