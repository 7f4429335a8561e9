// File: src/jwks/key_set_fingerprint.h
//
// Identity of a JWKS document's key set, so that a refresh that returns the
// same keys (perhaps reordered, re-indented, or with other members changed)
// is not delivered again. Private to src/jwks.
#ifndef JWTGATE_SRC_JWKS_KEY_SET_FINGERPRINT_H_
#define JWTGATE_SRC_JWKS_KEY_SET_FINGERPRINT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace jwtgate::jwks {

// SHA-256 over the sorted list of the keys' identifying members (kid, kty,
// use, alg, crv, n, e, x, y). Two documents with the same fingerprint yield
// the same verification keys. InvalidArgument when `json` is not a JSON
// object with a "keys" array of objects.
absl::StatusOr<std::string> KeySetFingerprint(std::string_view json);

}  // namespace jwtgate::jwks

#endif  // JWTGATE_SRC_JWKS_KEY_SET_FINGERPRINT_H_
