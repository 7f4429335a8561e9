// File: src/jwt/ecdsa_der.h
//
// JWS ES* signatures are raw r||s (RFC 7518 §3.4); OpenSSL wants DER
// ECDSA-Sig-Value. These convert between the two without allocating (raw →
// DER) so verification stays allocation-free.
#ifndef JWTGATE_SRC_JWT_ECDSA_DER_H_
#define JWTGATE_SRC_JWT_ECDSA_DER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace jwtgate::jwt {

// Largest DER produced for P-521 (2 × (66 + 3) + 3), rounded up.
inline constexpr size_t kMaxEcdsaDerSize = 160;

// Encodes raw r||s (each `raw.size() / 2` bytes, at most 66) as DER into
// `out` (capacity kMaxEcdsaDerSize). Returns the DER length, or 0 when
// `raw` has an odd or oversized length.
size_t EcdsaRawToDer(std::string_view raw, uint8_t* out);

// Converts DER to raw r||s with each half `coordinate_size` bytes. Returns
// false on malformed DER or values that do not fit.
bool EcdsaDerToRaw(std::string_view der, size_t coordinate_size,
                   std::string* raw);

}  // namespace jwtgate::jwt

#endif  // JWTGATE_SRC_JWT_ECDSA_DER_H_
