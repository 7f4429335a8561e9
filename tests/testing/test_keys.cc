// Test keys generated at first use.
#include "tests/testing/test_keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "jwtgate/common/base64url.h"

namespace jwtgate::testing {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "test_keys: %s failed\n", what);
  std::abort();
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string Bytes(const unsigned char* p, size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n);
}

std::string BnBytes(EVP_PKEY* pkey, const char* param, int pad_to) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, param, &raw) != 1) Die(param);
  std::unique_ptr<BIGNUM, BnFree> bn(raw);
  const int len = pad_to > 0 ? pad_to : BN_num_bytes(bn.get());
  std::string out(static_cast<size_t>(len), '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()),
                   len) != len) {
    Die("BN_bn2binpad");
  }
  return out;
}

std::string B64(const std::string& s) { return Base64UrlEncode(s); }

TestKeyPair Describe(EVP_PKEY* pkey) {
  TestKeyPair pair;
  std::unique_ptr<BIO, BioFree> priv(BIO_new(BIO_s_mem()));
  std::unique_ptr<BIO, BioFree> pub(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(priv.get(), pkey, nullptr, nullptr, 0, nullptr,
                                nullptr) ||
      !PEM_write_bio_PUBKEY(pub.get(), pkey)) {
    Die("PEM_write");
  }
  pair.private_pem = BioText(priv.get());
  pair.public_pem = BioText(pub.get());

  if (EVP_PKEY_is_a(pkey, "RSA")) {
    pair.jwk_members = "\"kty\":\"RSA\",\"n\":\"" +
                       B64(BnBytes(pkey, OSSL_PKEY_PARAM_RSA_N, 0)) +
                       "\",\"e\":\"" +
                       B64(BnBytes(pkey, OSSL_PKEY_PARAM_RSA_E, 0)) + "\"";
  } else if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {};
    size_t glen = 0;
    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                   sizeof(group), &glen);
    const std::string g(group, glen);
    const char* crv = g == "prime256v1"  ? "P-256"
                      : g == "secp384r1" ? "P-384"
                                         : "P-521";
    const int size = g == "prime256v1" ? 32 : g == "secp384r1" ? 48 : 66;
    pair.jwk_members =
        std::string("\"kty\":\"EC\",\"crv\":\"") + crv + "\",\"x\":\"" +
        B64(BnBytes(pkey, OSSL_PKEY_PARAM_EC_PUB_X, size)) + "\",\"y\":\"" +
        B64(BnBytes(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, size)) + "\"";
  } else {
    unsigned char raw[32];
    size_t len = sizeof(raw);
    if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1) Die("raw key");
    pair.jwk_members = "\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" +
                       B64(Bytes(raw, len)) + "\"";
  }
  return pair;
}

TestKeyPair Generate(const char* type, const char* group, unsigned rsa_bits) {
  std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX*)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) Die("keygen_init");
  if (group != nullptr) {
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                         const_cast<char*>(group), 0),
        OSSL_PARAM_construct_end()};
    if (EVP_PKEY_CTX_set_params(ctx.get(), params) != 1) Die("group");
  }
  if (rsa_bits != 0 && EVP_PKEY_CTX_set_rsa_keygen_bits(
                           ctx.get(), static_cast<int>(rsa_bits)) != 1) {
    Die("rsa bits");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &raw) != 1) Die("keygen");
  Pkey pkey(raw);
  return Describe(pkey.get());
}

}  // namespace

const TestKeyPair& Rsa2048() {
  static const TestKeyPair* const pair =
      new TestKeyPair(Generate("RSA", nullptr, 2048));
  return *pair;
}
const TestKeyPair& Rsa2048Other() {
  static const TestKeyPair* const pair =
      new TestKeyPair(Generate("RSA", nullptr, 2048));
  return *pair;
}
const TestKeyPair& EcP256() {
  static const TestKeyPair* const pair =
      new TestKeyPair(Generate("EC", "prime256v1", 0));
  return *pair;
}
const TestKeyPair& EcP384() {
  static const TestKeyPair* const pair =
      new TestKeyPair(Generate("EC", "secp384r1", 0));
  return *pair;
}
const TestKeyPair& EcP521() {
  static const TestKeyPair* const pair =
      new TestKeyPair(Generate("EC", "secp521r1", 0));
  return *pair;
}
const TestKeyPair& Ed25519() {
  static const TestKeyPair* const pair =
      new TestKeyPair(Generate("ED25519", nullptr, 0));
  return *pair;
}

const TestKeyPair& KeyPairFor(jwt::Alg alg) {
  switch (alg) {
    case jwt::Alg::kES256:
      return EcP256();
    case jwt::Alg::kES384:
      return EcP384();
    case jwt::Alg::kES512:
      return EcP521();
    case jwt::Alg::kEdDSA:
      return Ed25519();
    default:
      return Rsa2048();
  }
}

const TestKeyPair& OtherKeyPairFor(jwt::Alg alg) {
  switch (alg) {
    case jwt::Alg::kES256: {
      static const TestKeyPair* const p =
          new TestKeyPair(Generate("EC", "prime256v1", 0));
      return *p;
    }
    case jwt::Alg::kES384: {
      static const TestKeyPair* const p =
          new TestKeyPair(Generate("EC", "secp384r1", 0));
      return *p;
    }
    case jwt::Alg::kES512: {
      static const TestKeyPair* const p =
          new TestKeyPair(Generate("EC", "secp521r1", 0));
      return *p;
    }
    case jwt::Alg::kEdDSA: {
      static const TestKeyPair* const p =
          new TestKeyPair(Generate("ED25519", nullptr, 0));
      return *p;
    }
    default:
      return Rsa2048Other();
  }
}

std::string HmacSecretFor(jwt::Alg alg) {
  // 64 printable bytes; HS256/384 use a prefix of the required length.
  static constexpr char kSecret[] =
      "jwtgate-test-secret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH";
  static_assert(sizeof(kSecret) - 1 == 64);
  const size_t n = alg == jwt::Alg::kHS256   ? 32
                   : alg == jwt::Alg::kHS384 ? 48
                                             : 64;
  return std::string(kSecret, n);
}

std::string SigningMaterialFor(jwt::Alg alg) {
  return jwt::IsHmac(alg) ? HmacSecretFor(alg) : KeyPairFor(alg).private_pem;
}

std::string PublicJwk(const TestKeyPair& pair, std::string_view kid,
                      std::string_view alg) {
  std::string out = "{" + pair.jwk_members;
  if (!kid.empty()) out += ",\"kid\":\"" + std::string(kid) + "\"";
  if (!alg.empty()) out += ",\"alg\":\"" + std::string(alg) + "\"";
  out += "}";
  return out;
}

}  // namespace jwtgate::testing
