// Strict base64url (JWS) and lenient standard base64 (secrets).
#include "jwtgate/common/base64url.h"

#include <array>
#include <cstring>

namespace jwtgate {
namespace {

constexpr uint8_t kInvalid = 0xFF;

// Builds a 256-entry reverse table for a 64-character alphabet.
constexpr std::array<uint8_t, 256> MakeReverse(const char* alphabet) {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (int i = 0; i < 64; ++i) {
    t[static_cast<uint8_t>(alphabet[i])] = static_cast<uint8_t>(i);
  }
  return t;
}

constexpr char kUrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kStdAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::array<uint8_t, 256> kUrlReverse = MakeReverse(kUrlAlphabet);
constexpr std::array<uint8_t, 256> kStdReverse = MakeReverse(kStdAlphabet);

// Decodes unpadded `in` with `table`. When `canonical`, the unused low bits
// of the last character must be zero. Returns the decoded length or -1.
ptrdiff_t DecodeUnpadded(std::string_view in, uint8_t* out, size_t out_cap,
                         const std::array<uint8_t, 256>& table,
                         bool canonical) {
  const size_t n = in.size();
  const size_t rem = n % 4;
  if (rem == 1) return -1;
  const size_t out_len = n / 4 * 3 + (rem == 0 ? 0 : rem - 1);
  if (out_len > out_cap) return -1;

  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  uint8_t* o = out;
  const size_t full = n - rem;
  // `bad` accumulates every table lookup: any kInvalid sets the high bit.
  uint32_t bad = 0;
  for (size_t i = 0; i < full; i += 4) {
    const uint32_t a = table[p[i]], b = table[p[i + 1]], c = table[p[i + 2]],
                   d = table[p[i + 3]];
    bad |= a | b | c | d;
    const uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    o[0] = static_cast<uint8_t>(v >> 16);
    o[1] = static_cast<uint8_t>(v >> 8);
    o[2] = static_cast<uint8_t>(v);
    o += 3;
  }
  if (rem == 2) {
    const uint32_t a = table[p[full]], b = table[p[full + 1]];
    bad |= a | b;
    if (canonical && (b & 0x0F) != 0) return -1;
    o[0] = static_cast<uint8_t>((a << 2) | (b >> 4));
  } else if (rem == 3) {
    const uint32_t a = table[p[full]], b = table[p[full + 1]],
                   c = table[p[full + 2]];
    bad |= a | b | c;
    if (canonical && (c & 0x03) != 0) return -1;
    const uint32_t v = (a << 10) | (b << 4) | (c >> 2);
    o[0] = static_cast<uint8_t>(v >> 8);
    o[1] = static_cast<uint8_t>(v);
  }
  if (bad & 0x80) return -1;
  return static_cast<ptrdiff_t>(out_len);
}

}  // namespace

ptrdiff_t Base64UrlDecode(std::string_view in, uint8_t* out, size_t out_cap) {
  return DecodeUnpadded(in, out, out_cap, kUrlReverse, /*canonical=*/true);
}

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  out.resize((in.size() * 4 + 2) / 3);
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  char* o = out.data();
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v =
        (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    *o++ = kUrlAlphabet[(v >> 18) & 63];
    *o++ = kUrlAlphabet[(v >> 12) & 63];
    *o++ = kUrlAlphabet[(v >> 6) & 63];
    *o++ = kUrlAlphabet[v & 63];
  }
  const size_t rem = in.size() - i;
  if (rem == 1) {
    const uint32_t v = uint32_t{p[i]} << 16;
    *o++ = kUrlAlphabet[(v >> 18) & 63];
    *o++ = kUrlAlphabet[(v >> 12) & 63];
  } else if (rem == 2) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8);
    *o++ = kUrlAlphabet[(v >> 18) & 63];
    *o++ = kUrlAlphabet[(v >> 12) & 63];
    *o++ = kUrlAlphabet[(v >> 6) & 63];
  }
  return out;
}

bool Base64StdDecode(std::string_view in, std::string* out) {
  // Padding is optional, but when present it must complete the last quad.
  size_t pad = 0;
  while (pad < 2 && !in.empty() && in.back() == '=') {
    in.remove_suffix(1);
    ++pad;
  }
  if (pad > 0 && (in.size() + pad) % 4 != 0) return false;
  out->resize(Base64UrlDecodedMaxSize(in.size()));
  const ptrdiff_t n = DecodeUnpadded(
      in, reinterpret_cast<uint8_t*>(out->data()), out->size(), kStdReverse,
      /*canonical=*/false);
  if (n < 0) {
    out->clear();
    return false;
  }
  out->resize(static_cast<size_t>(n));
  return true;
}

}  // namespace jwtgate
