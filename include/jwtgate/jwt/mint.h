// File: jwtgate/jwt/mint.h
//
// Signs tokens for `jwtgate mint`, tests and load tests. Not used on the
// request path.
#ifndef JWTGATE_JWT_MINT_H_
#define JWTGATE_JWT_MINT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "jwtgate/jwt/alg.h"

namespace jwtgate::jwt {

struct MintOptions {
  Alg alg = Alg::kHS256;
  std::string secret;           // HS*: raw secret bytes
  std::string private_key_pem;  // RS*/PS*/ES*/EdDSA
  std::string kid;              // optional header kid
  std::optional<std::string> sub, iss;
  std::vector<std::string> aud;  // one → string, several → array
  int64_t now_unix = 0;
  std::optional<int64_t> ttl_seconds;  // sets iat = now and exp = now + ttl
  // Extra claims: name → raw JSON text (already validated/encoded).
  std::vector<std::pair<std::string, std::string>> claims_json;
};

absl::StatusOr<std::string> Mint(const MintOptions& options);

// Signs an arbitrary header/payload JSON (tests need malformed headers).
absl::StatusOr<std::string> SignRaw(Alg alg, std::string_view header_json,
                                    std::string_view payload_json,
                                    std::string_view secret_or_pem);

}  // namespace jwtgate::jwt

#endif  // JWTGATE_JWT_MINT_H_
