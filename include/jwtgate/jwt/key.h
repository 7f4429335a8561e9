// File: jwtgate/jwt/key.h
//
// A verification key, parsed once into ready OpenSSL state. Immutable after
// construction and shared (via shared_ptr<const Key>) by every shard of a
// Snapshot; Verify is const and safe to call from many threads at once.
// The key decides the algorithm: Supports(alg) is the allow-list; HMAC keys
// support only HS*, public keys only their own family.
#ifndef JWTGATE_JWT_KEY_H_
#define JWTGATE_JWT_KEY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "jwtgate/jwt/alg.h"

namespace jwtgate::jwt {

class Key {
 public:
  virtual ~Key() = default;
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;

  // Name of the [key NAME] section it came from.
  const std::string& name() const { return name_; }
  // Empty when the key has no kid.
  const std::string& kid() const { return kid_; }
  AlgMask algs() const { return algs_; }
  bool Supports(Alg a) const { return (algs_ & AlgBit(a)) != 0; }
  // Process-unique id (never reused), for token-cache invalidation.
  uint64_t id() const { return id_; }

  // Checks `signature` over `signing_input` ("b64header.b64payload").
  // Precondition: Supports(alg). HMAC compared in constant time; ES* expects
  // raw r||s of the exact length for the curve.
  virtual bool Verify(Alg alg, std::string_view signing_input,
                      std::string_view signature) const = 0;

 protected:
  Key(std::string name, std::string kid, AlgMask algs);

 private:
  std::string name_;
  std::string kid_;
  AlgMask algs_;
  uint64_t id_;
};

using KeyPtr = std::shared_ptr<const Key>;

// Where a [key NAME] section takes its material from (SPEC §2). Filled by
// the config loader, consumed by LoadKeys. File/env references are resolved
// by LoadKeys, so errors name the file or variable (never a secret value).
struct KeySpec {
  enum class Source {
    kSecretEnv, kSecretFile, kSecretCredential,  // HMAC (alg required: HS*)
    kPublicKeyFile,                              // PEM (alg required)
    kJwksFile,                                   // JWKS, kid-indexed
  };
  enum class Encoding { kRaw, kBase64, kBase64Url };

  std::string name;
  Source source = Source::kSecretEnv;
  std::string source_value;       // env var name, path, or credential name
  Encoding encoding = Encoding::kRaw;
  std::optional<Alg> alg;         // required for secrets and PEM keys
  std::string kid;                // optional for secrets and PEM keys
};

// Loads every key a spec names (one for secrets/PEM, many for a JWKS).
// Errors are InvalidArgument/NotFound with a message that names the env var
// or file and never contains key material.
absl::StatusOr<std::vector<KeyPtr>> LoadKeys(const KeySpec& spec);

// Builders used by LoadKeys, tests and benchmarks.
absl::StatusOr<KeyPtr> MakeHmacKey(std::string name, Alg alg,
                                   std::string_view secret,
                                   std::string kid = "");
absl::StatusOr<KeyPtr> MakePemPublicKey(std::string name, Alg alg,
                                        std::string_view pem,
                                        std::string kid = "");
absl::StatusOr<std::vector<KeyPtr>> ParseJwks(std::string name,
                                              std::string_view json);

}  // namespace jwtgate::jwt

#endif  // JWTGATE_JWT_KEY_H_
