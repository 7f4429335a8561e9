// Raw r||s <-> DER ECDSA-Sig-Value (SEQUENCE { INTEGER r, INTEGER s }).
#include "jwt/ecdsa_der.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include "jwt/openssl_util.h"

namespace jwtgate::jwt {
namespace {

// Writes one DER INTEGER for the unsigned big-endian `v`; returns bytes
// written. Leading zeros are dropped and a 0x00 is prefixed when the high
// bit is set, as DER requires; zero encodes as 02 01 00.
size_t PutInteger(std::string_view v, uint8_t* out) {
  size_t start = 0;
  while (start < v.size() && v[start] == 0) ++start;
  const auto* digits = reinterpret_cast<const uint8_t*>(v.data()) + start;
  size_t len = v.size() - start;
  const bool zero = len == 0;
  const bool pad = !zero && (digits[0] & 0x80) != 0;
  const size_t body = zero ? 1 : len + (pad ? 1 : 0);
  size_t n = 0;
  out[n++] = 0x02;
  out[n++] = static_cast<uint8_t>(body);  // body <= 67 < 128: short form
  if (zero || pad) out[n++] = 0x00;
  for (size_t i = 0; i < len; ++i) out[n++] = digits[i];
  return n;
}

}  // namespace

size_t EcdsaRawToDer(std::string_view raw, uint8_t* out) {
  if (raw.empty() || raw.size() % 2 != 0 || raw.size() > 132) return 0;
  const size_t half = raw.size() / 2;
  uint8_t body[kMaxEcdsaDerSize];
  size_t body_len = PutInteger(raw.substr(0, half), body);
  body_len += PutInteger(raw.substr(half), body + body_len);
  size_t n = 0;
  out[n++] = 0x30;
  if (body_len >= 128) {
    out[n++] = 0x81;  // long form, one length byte (body_len <= 138)
  }
  out[n++] = static_cast<uint8_t>(body_len);
  for (size_t i = 0; i < body_len; ++i) out[n++] = body[i];
  return n;
}

bool EcdsaDerToRaw(std::string_view der, size_t coordinate_size,
                   std::string* raw) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (sig == nullptr) return false;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  raw->assign(coordinate_size * 2, '\0');
  auto* o = reinterpret_cast<unsigned char*>(raw->data());
  const int size = static_cast<int>(coordinate_size);
  return BN_bn2binpad(r, o, size) == size &&
         BN_bn2binpad(s, o + coordinate_size, size) == size;
}

}  // namespace jwtgate::jwt
