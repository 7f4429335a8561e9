// Public key PEM formats beyond SubjectPublicKeyInfo (PKCS#1 RSA, X.509
// certificates), and keys shared by many threads at once (Key::Verify is
// const and thread-safe; each thread has its own Verifier).
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "jwtgate/jwt/key.h"
#include "jwtgate/jwt/verifier.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_keys.h"
#include "tests/testing/token_factory.h"

namespace jwtgate::jwt {
namespace {

using ::jwtgate::testing::FakeClock;
using ::jwtgate::testing::IsOk;
using ::jwtgate::testing::TokenFactory;

EVP_PKEY* ReadPrivate(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return pkey;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// "-----BEGIN RSA PUBLIC KEY-----" (PKCS#1), via the non-deprecated encoder.
std::string Pkcs1PublicPem(EVP_PKEY* pkey) {
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(
      pkey, EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(OSSL_ENCODER_to_bio(ctx, bio), 1);
  std::string out = BioText(bio);
  BIO_free(bio);
  OSSL_ENCODER_CTX_free(ctx);
  return out;
}

// A self-signed certificate for `pkey`.
std::string SelfSignedCertPem(EVP_PKEY* pkey) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, pkey);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("idp"), -1,
                             -1, 0);
  X509_set_issuer_name(cert, name);
  EXPECT_GT(X509_sign(cert, pkey, EVP_sha256()), 0);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  std::string out = BioText(bio);
  BIO_free(bio);
  X509_free(cert);
  return out;
}

class KeyFormatTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  TokenFactory factory_{clock_.UnixSeconds()};

  AuthResult VerifyWith(Alg alg, const KeyPtr& key) {
    Policy p = TokenFactory::PolicyFor(alg);
    p.keys = {key};
    Verifier v(0);
    return v
        .Verify(factory_.Sign(alg, factory_.Auth0Payload()), p,
                clock_.UnixSeconds())
        .result;
  }
};

TEST_F(KeyFormatTest, Pkcs1RsaPublicKey) {
  EVP_PKEY* pkey = ReadPrivate(testing::Rsa2048().private_pem);
  ASSERT_NE(pkey, nullptr);
  const std::string pem = Pkcs1PublicPem(pkey);
  EVP_PKEY_free(pkey);
  ASSERT_NE(pem.find("BEGIN RSA PUBLIC KEY"), std::string::npos);
  auto key = MakePemPublicKey("k", Alg::kRS256, pem);
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(VerifyWith(Alg::kRS256, *key), AuthResult::kOk);
}

TEST_F(KeyFormatTest, CertificatePublicKey) {
  for (Alg alg : {Alg::kRS256, Alg::kES256}) {
    EVP_PKEY* pkey = ReadPrivate(testing::KeyPairFor(alg).private_pem);
    ASSERT_NE(pkey, nullptr);
    const std::string pem = SelfSignedCertPem(pkey);
    EVP_PKEY_free(pkey);
    auto key = MakePemPublicKey("k", alg, pem);
    ASSERT_THAT(key, IsOk()) << AlgName(alg);
    EXPECT_EQ(VerifyWith(alg, *key), AuthResult::kOk) << AlgName(alg);
  }
}

// Many threads, one shared key per alg, each thread its own Verifier:
// results stay exact (valid tokens pass, tampered ones fail).
TEST_F(KeyFormatTest, SharedKeysVerifyConcurrently) {
  const Alg algs[] = {Alg::kHS256, Alg::kRS256, Alg::kES256, Alg::kEdDSA};
  std::vector<Policy> policies;
  std::vector<std::string> good, bad;
  for (Alg alg : algs) {
    policies.push_back(TokenFactory::PolicyFor(alg));
    good.push_back(factory_.Sign(alg, factory_.Auth0Payload()));
    std::string t = good.back();
    t[t.size() - 6] = t[t.size() - 6] == 'A' ? 'B' : 'A';
    bad.push_back(t);
  }
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < 4; ++n) {
    threads.emplace_back([&, n] {
      Verifier v(0);
      for (int i = 0; i < 60; ++i) {
        const size_t k = static_cast<size_t>(i + n) % policies.size();
        if (v.Verify(good[k], policies[k], clock_.UnixSeconds()).result !=
            AuthResult::kOk) {
          ++wrong;
        }
        if (v.Verify(bad[k], policies[k], clock_.UnixSeconds()).result !=
            AuthResult::kBadSignature) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace jwtgate::jwt
