// File: tests/testing/test_keys.h
//
// Key material for tests and benchmarks, generated at first use with
// EVP_PKEY_keygen (once per process, then shared) so no private key is ever
// committed. Thread-safe (function-local statics).
//
//   const TestKeyPair& k = KeyPairFor(jwt::Alg::kES256);
//   MintOptions o; o.private_key_pem = k.private_pem;
//   auto key = jwt::MakePemPublicKey("idp", jwt::Alg::kES256, k.public_pem);
#ifndef JWTGATE_TESTS_TESTING_TEST_KEYS_H_
#define JWTGATE_TESTS_TESTING_TEST_KEYS_H_

#include <string>
#include <string_view>

#include "jwtgate/jwt/alg.h"

namespace jwtgate::testing {

struct TestKeyPair {
  std::string private_pem;  // PKCS#8 "PRIVATE KEY"
  std::string public_pem;   // SubjectPublicKeyInfo "PUBLIC KEY"
  // Members of the public JWK without braces, kid or alg, e.g.
  // `"kty":"EC","crv":"P-256","x":"...","y":"..."`.
  std::string jwk_members;
};

// RSA-2048 (RS*, PS*), a second independent RSA-2048, EC P-256 / P-384 /
// P-521, Ed25519.
const TestKeyPair& Rsa2048();
const TestKeyPair& Rsa2048Other();
const TestKeyPair& EcP256();
const TestKeyPair& EcP384();
const TestKeyPair& EcP521();
const TestKeyPair& Ed25519();

// The pair that signs `alg` (asymmetric algs only).
const TestKeyPair& KeyPairFor(jwt::Alg alg);
// An independent pair of the same type and size as KeyPairFor(alg): same
// kind of key, different material.
const TestKeyPair& OtherKeyPairFor(jwt::Alg alg);

// A fixed HMAC secret long enough for `alg` (RFC 7518 §3.2: 32, 48 or 64
// bytes), printable ASCII.
std::string HmacSecretFor(jwt::Alg alg);

// Secret or private PEM: what jwt::SignRaw needs for `alg`.
std::string SigningMaterialFor(jwt::Alg alg);

// `{"kty":...,"kid":"K","alg":"A"}`; kid/alg omitted when empty.
std::string PublicJwk(const TestKeyPair& pair, std::string_view kid = "",
                      std::string_view alg = "");

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_TESTING_TEST_KEYS_H_
