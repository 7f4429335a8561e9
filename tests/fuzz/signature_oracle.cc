// Independent signature judge: see signature_oracle.h.
#include "tests/fuzz/signature_oracle.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>

namespace jwtgate::fuzz {
namespace {

int Sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

// JWS raw r||s (32 + 32 bytes) as DER, or empty.
std::string RawToDer(std::string_view raw) {
  if (raw.size() != 64) return "";
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(p, 32, nullptr);
  BIGNUM* s = BN_bin2bn(p + 32, 32, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr ||
      ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return "";
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return "";
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

// The registered JWA name, written out here rather than taken from src/jwt.
std::string_view AlgText(jwt::Alg alg) {
  switch (alg) {
    case jwt::Alg::kHS256:
      return "HS256";
    case jwt::Alg::kES256:
      return "ES256";
    case jwt::Alg::kRS256:
      return "RS256";
    default:
      return "";
  }
}

}  // namespace

std::optional<std::string> DecodeBase64Url(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = Sextet(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

void SignatureOracle::AddHs256(std::string kid, std::string secret) {
  keys_.push_back(
      OracleKey{jwt::Alg::kHS256, std::move(kid), std::move(secret), nullptr});
}

void SignatureOracle::AddPublic(jwt::Alg alg, std::string kid,
                                std::string_view pem) {
  if (alg != jwt::Alg::kES256 && alg != jwt::Alg::kRS256) {
    std::fprintf(stderr, "signature_oracle: only ES256 and RS256\n");
    std::abort();
  }
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pkey == nullptr) {
    std::fprintf(stderr, "signature_oracle: bad public key PEM\n");
    std::abort();
  }
  keys_.push_back(OracleKey{alg, std::move(kid), "",
                            std::unique_ptr<EVP_PKEY, PkeyFree>(pkey)});
}

bool SignatureOracle::Check(const OracleKey& key, std::string_view input,
                            std::string_view sig) const {
  if (key.alg == jwt::Alg::kHS256) {
    unsigned char mac[32];
    size_t mac_len = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr,
                  key.secret.data(), key.secret.size(),
                  reinterpret_cast<const unsigned char*>(input.data()),
                  input.size(), mac, sizeof(mac), &mac_len) == nullptr) {
      return false;
    }
    return sig.size() == mac_len &&
           CRYPTO_memcmp(mac, sig.data(), mac_len) == 0;
  }
  std::string der;
  if (key.alg == jwt::Alg::kES256) {
    der = RawToDer(sig);
    if (der.empty()) return false;
    sig = der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(),
                                             nullptr, key.pkey.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(
             ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()),
             sig.size(), reinterpret_cast<const unsigned char*>(input.data()),
             input.size()) == 1;
}

bool SignatureOracle::Justifies(std::string_view token) const {
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return false;
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return false;
  if (token.find('.', dot2 + 1) != std::string_view::npos) return false;
  const std::string_view input = token.substr(0, dot2);
  const auto header = DecodeBase64Url(token.substr(0, dot1));
  const auto sig = DecodeBase64Url(token.substr(dot2 + 1));
  if (!header || !sig) return false;

  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(*header).get_object().get(obj) != simdjson::SUCCESS) {
    return false;
  }
  std::string_view alg_name, kid;
  if (obj["alg"].get_string().get(alg_name) != simdjson::SUCCESS) return false;
  const bool has_kid = obj["kid"].get_string().get(kid) == simdjson::SUCCESS;
  for (const OracleKey& key : keys_) {
    if (AlgText(key.alg) != alg_name) continue;
    if (has_kid ? key.kid != kid : !key.kid.empty()) continue;
    if (Check(key, input, *sig)) return true;
  }
  return false;
}

}  // namespace jwtgate::fuzz
