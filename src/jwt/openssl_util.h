// File: src/jwt/openssl_util.h
//
// unique_ptr aliases for the OpenSSL handles src/jwt uses, each with its
// deleter, plus small helpers shared by key loading, verification and
// signing. Private to src/jwt.
#ifndef JWTGATE_SRC_JWT_OPENSSL_UTIL_H_
#define JWTGATE_SRC_JWT_OPENSSL_UTIL_H_

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <string>
#include <string_view>

#include "jwtgate/jwt/alg.h"

namespace jwtgate::jwt {

template <auto Fn>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr =
    std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr =
    std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX_free>>;
using EvpMdPtr = std::unique_ptr<EVP_MD, OpenSslDeleter<EVP_MD_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpenSslDeleter<ECDSA_SIG_free>>;
using ParamBldPtr =
    std::unique_ptr<OSSL_PARAM_BLD, OpenSslDeleter<OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, OpenSslDeleter<OSSL_PARAM_free>>;

// Digest behind an algorithm (SHA-256/384/512), fetched once per process;
// nullptr for EdDSA (which hashes internally).
const EVP_MD* DigestFor(Alg alg);
// Digest output size in bytes (32/48/64); 0 for EdDSA.
size_t DigestSize(Alg alg);
// ES*: the size of r (and of s) in the raw JWS signature: 32, 48 or 66.
size_t EcCoordinateSize(Alg alg);

enum class AlgFamily { kHmac, kRsa, kRsaPss, kEcdsa, kEdDsa };
AlgFamily FamilyOf(Alg alg);

// Text of the most recent OpenSSL error on this thread (and clears the
// queue), for load-time error messages. Never contains key material.
std::string TakeOpenSslError();

}  // namespace jwtgate::jwt

#endif  // JWTGATE_SRC_JWT_OPENSSL_UTIL_H_
