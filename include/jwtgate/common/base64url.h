// File: jwtgate/common/base64url.h
//
// Strict base64url (RFC 4648 §5) as JWS requires: no padding, no whitespace,
// no characters outside [A-Za-z0-9-_], canonical (zero) trailing bits, and
// length % 4 != 1. Decoding writes into a caller buffer and never allocates.
// Implemented in src/common/base64url.cc.
#ifndef JWTGATE_COMMON_BASE64URL_H_
#define JWTGATE_COMMON_BASE64URL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace jwtgate {

// Upper bound of the decoded size of `encoded_len` characters.
constexpr size_t Base64UrlDecodedMaxSize(size_t encoded_len) {
  return encoded_len / 4 * 3 + 2;
}

// Decodes `in` into `out` (capacity `out_cap`). Returns the decoded length,
// or -1 if `in` is not strict base64url or does not fit.
ptrdiff_t Base64UrlDecode(std::string_view in, uint8_t* out, size_t out_cap);

// Encodes without padding.
std::string Base64UrlEncode(std::string_view in);

// Standard base64 (with padding) decode, for `secret_encoding = base64`.
// Returns false on malformed input.
bool Base64StdDecode(std::string_view in, std::string* out);

}  // namespace jwtgate

#endif  // JWTGATE_COMMON_BASE64URL_H_
