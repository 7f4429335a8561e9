// File: tests/fuzz/signature_oracle.h
//
// An independent judge of "this token was signed with one of these keys",
// for fuzz invariants on jwt::Verifier. It shares no code with src/jwt: its
// own base64url decoder, simdjson's DOM API for the header, and one-shot
// OpenSSL calls (EVP_Q_mac, EVP_DigestVerify with a DER ECDSA signature).
//
// Owns its keys (EVP_PKEY in unique_ptr). Not thread-safe; one per target.
#ifndef JWTGATE_TESTS_FUZZ_SIGNATURE_ORACLE_H_
#define JWTGATE_TESTS_FUZZ_SIGNATURE_ORACLE_H_

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwtgate/jwt/alg.h"

namespace jwtgate::fuzz {

// Decodes unpadded base64url, ignoring non-zero trailing bits (more lenient
// than the verifier on purpose). nullopt on a bad character or length.
std::optional<std::string> DecodeBase64Url(std::string_view in);

class SignatureOracle {
 public:
  SignatureOracle() = default;
  SignatureOracle(const SignatureOracle&) = delete;
  SignatureOracle& operator=(const SignatureOracle&) = delete;

  // An HS256 key; `kid` empty for a kid-less key.
  void AddHs256(std::string kid, std::string secret);
  // An ES256 or RS256 public key from PEM; aborts on a bad PEM.
  void AddPublic(jwt::Alg alg, std::string kid, std::string_view pem);

  // True when `token` is header.payload.signature whose header is a JSON
  // object with a string "alg" equal to a key's alg, whose "kid" (if any)
  // equals that key's kid (no "kid": the key has none), and whose
  // signature verifies over "header.payload" under that key.
  bool Justifies(std::string_view token) const;

 private:
  struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  };
  struct OracleKey {
    jwt::Alg alg;
    std::string kid;
    std::string secret;  // HS256
    std::unique_ptr<EVP_PKEY, PkeyFree> pkey;
  };
  bool Check(const OracleKey& key, std::string_view input,
             std::string_view sig) const;

  std::vector<OracleKey> keys_;
};

}  // namespace jwtgate::fuzz

#endif  // JWTGATE_TESTS_FUZZ_SIGNATURE_ORACLE_H_
