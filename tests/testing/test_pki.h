// File: tests/testing/test_pki.h
//
// Test-time cryptography for the remote-key tests (tests/jwks, and the
// integration suite's local IdP): a CA and server certificates made with
// OpenSSL APIs (nothing frozen on disk), signing keys exported as JWKs, and
// signatures to check delivered keys against. Header-only because the
// suites build only *_test.cc files.
#ifndef JWTGATE_TESTS_TESTING_TEST_PKI_H_
#define JWTGATE_TESTS_TESTING_TEST_PKI_H_

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "jwtgate/common/base64url.h"

namespace jwtgate::testing {

template <auto Fn>
struct Free {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Free<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Free<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<BN_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Free<EVP_MD_CTX_free>>;

inline PkeyPtr NewRsaKey() {
  return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
}
inline PkeyPtr NewEcKey() {
  return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}
inline PkeyPtr NewEd25519Key() {
  return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
}

// A certificate with its private key.
struct TestCert {
  PkeyPtr key;
  X509Ptr cert;
};

inline void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr) << "extension " << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `cn` signed by `issuer` (self-signed when null). `san`
// in OpenSSL config syntax ("DNS:localhost,IP:127.0.0.1"), or empty.
inline TestCert MakeCert(const TestCert* issuer, const std::string& cn,
                         const std::string& san, bool is_ca) {
  TestCert out{NewEcKey(), X509Ptr(X509_new())};
  X509* x = out.cert.get();
  X509_set_version(x, 2);
  uint64_t serial = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof(serial));
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial >> 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, out.key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()),
                             -1, -1, 0);
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : x;
  X509_set_issuer_name(x, X509_get_subject_name(issuer_cert));
  AddExt(x, issuer_cert, NID_basic_constraints,
         is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  AddExt(x, issuer_cert, NID_key_usage,
         is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  AddExt(x, issuer_cert, NID_subject_key_identifier, "hash");
  if (!san.empty()) AddExt(x, issuer_cert, NID_subject_alt_name, san.c_str());
  EVP_PKEY* signer = issuer != nullptr ? issuer->key.get() : out.key.get();
  EXPECT_GT(X509_sign(x, signer, EVP_sha256()), 0);
  return out;
}

inline std::string CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

// Writes `text` to a fresh file under the test temp dir; returns its path.
inline std::string WriteTempFile(std::string_view stem, std::string_view text) {
  static std::atomic<int> counter{0};
  const std::string path =
      absl::StrCat(::testing::TempDir(), "jwks_", std::string(stem), "_",
                   ::getpid(), "_", counter.fetch_add(1), ".pem");
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

inline std::string B64(const unsigned char* p, size_t n) {
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(p), n));
}

inline std::string BnParam(EVP_PKEY* pkey, const char* param, int pad) {
  BIGNUM* raw = nullptr;
  EVP_PKEY_get_bn_param(pkey, param, &raw);
  BnPtr bn(raw);
  std::vector<unsigned char> buf(pad > 0 ? pad : BN_num_bytes(bn.get()));
  BN_bn2binpad(bn.get(), buf.data(), static_cast<int>(buf.size()));
  return B64(buf.data(), buf.size());
}

// The public JWK of `pkey` (RSA, EC P-256 or Ed25519) as JSON text.
inline std::string JwkJson(EVP_PKEY* pkey, std::string_view kid) {
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    return absl::StrCat(R"({"kty":"RSA","use":"sig","alg":"RS256","kid":")",
                        std::string(kid), R"(","n":")",
                        BnParam(pkey, OSSL_PKEY_PARAM_RSA_N, 0), R"(","e":")",
                        BnParam(pkey, OSSL_PKEY_PARAM_RSA_E, 0), R"("})");
  }
  if (EVP_PKEY_is_a(pkey, "EC")) {
    return absl::StrCat(
        R"({"kty":"EC","crv":"P-256","alg":"ES256","kid":")", std::string(kid),
        R"(","x":")", BnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32), R"(","y":")",
        BnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32), R"("})");
  }
  unsigned char raw[32];
  size_t len = sizeof(raw);
  EVP_PKEY_get_raw_public_key(pkey, raw, &len);
  return absl::StrCat(R"({"kty":"OKP","crv":"Ed25519","alg":"EdDSA","kid":")",
                      std::string(kid), R"(","x":")", B64(raw, len), R"("})");
}

// {"keys":[...]} from JWK texts.
inline std::string JwksJson(const std::vector<std::string>& jwks) {
  return absl::StrCat(R"({"keys":[)", absl::StrJoin(jwks, ","), "]}");
}

// Signs `input` with `pkey`: RS256 for RSA, EdDSA for Ed25519.
inline std::string Sign(EVP_PKEY* pkey, std::string_view input) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const EVP_MD* md = EVP_PKEY_is_a(pkey, "RSA") ? EVP_sha256() : nullptr;
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey), 1);
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size());
  std::string sig(len, '\0');
  EXPECT_EQ(
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()),
                     &len, in, input.size()),
      1);
  sig.resize(len);
  return sig;
}

// The certificates the TLS tests share, made once per test binary: a CA
// (written to `ca_file`), a server certificate it signed for localhost and
// 127.0.0.1, one it signed for another name only, and a self-signed one
// with the right names that no one trusts.
struct TestPki {
  TestCert ca;
  TestCert server;
  TestCert wrong_name;
  TestCert self_signed;
  std::string ca_file;

  static const TestPki& Get() {
    static const TestPki* pki = [] {
      auto* p = new TestPki;
      p->ca = MakeCert(nullptr, "jwtgate test CA", "", true);
      p->server =
          MakeCert(&p->ca, "localhost", "DNS:localhost,IP:127.0.0.1", false);
      p->wrong_name =
          MakeCert(&p->ca, "other.example", "DNS:other.example", false);
      p->self_signed =
          MakeCert(nullptr, "localhost", "DNS:localhost,IP:127.0.0.1", false);
      p->ca_file = WriteTempFile("ca", CertPem(p->ca.cert.get()));
      return p;
    }();
    return *pki;
  }
};

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_TESTING_TEST_PKI_H_
