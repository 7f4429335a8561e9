// Shared OpenSSL helpers of src/jwt.
#include "jwt/openssl_util.h"

#include <openssl/err.h>

namespace jwtgate::jwt {
namespace {

// Fetched once: implicit fetches (EVP_sha256()) cost a lookup per use in
// OpenSSL 3. The objects live for the whole process.
struct Digests {
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  EVP_MD* sha384 = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  EVP_MD* sha512 = EVP_MD_fetch(nullptr, "SHA2-512", nullptr);
};

const Digests& GetDigests() {
  static const Digests* const digests = new Digests();
  return *digests;
}

}  // namespace

const EVP_MD* DigestFor(Alg alg) {
  const Digests& d = GetDigests();
  switch (alg) {
    case Alg::kHS256:
    case Alg::kRS256:
    case Alg::kPS256:
    case Alg::kES256:
      return d.sha256;
    case Alg::kHS384:
    case Alg::kRS384:
    case Alg::kPS384:
    case Alg::kES384:
      return d.sha384;
    case Alg::kHS512:
    case Alg::kRS512:
    case Alg::kPS512:
    case Alg::kES512:
      return d.sha512;
    case Alg::kEdDSA:
      return nullptr;
  }
  return nullptr;
}

size_t DigestSize(Alg alg) {
  const EVP_MD* md = DigestFor(alg);
  return md == nullptr ? 0 : static_cast<size_t>(EVP_MD_get_size(md));
}

size_t EcCoordinateSize(Alg alg) {
  switch (alg) {
    case Alg::kES256:
      return 32;
    case Alg::kES384:
      return 48;
    case Alg::kES512:
      return 66;
    default:
      return 0;
  }
}

AlgFamily FamilyOf(Alg alg) {
  switch (alg) {
    case Alg::kHS256:
    case Alg::kHS384:
    case Alg::kHS512:
      return AlgFamily::kHmac;
    case Alg::kRS256:
    case Alg::kRS384:
    case Alg::kRS512:
      return AlgFamily::kRsa;
    case Alg::kPS256:
    case Alg::kPS384:
    case Alg::kPS512:
      return AlgFamily::kRsaPss;
    case Alg::kES256:
    case Alg::kES384:
    case Alg::kES512:
      return AlgFamily::kEcdsa;
    case Alg::kEdDSA:
      return AlgFamily::kEdDsa;
  }
  return AlgFamily::kHmac;
}

std::string TakeOpenSslError() {
  const unsigned long code = ERR_peek_last_error();
  std::string text;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    text = buf;
  } else {
    text = "unknown OpenSSL error";
  }
  ERR_clear_error();
  return text;
}

}  // namespace jwtgate::jwt
