// JWKS (RFC 7517) → public keys. Runs off the request path, so it uses the
// fully validating simdjson DOM parser.
#include <openssl/core_names.h>
#include <simdjson.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "jwt/key_impl.h"
#include "jwt/strings.h"
#include "jwtgate/common/base64url.h"

namespace jwtgate::jwt {
namespace {

namespace dom = simdjson::dom;

// Outcome of one JWK: a key, a reason to skip it, or an error.
struct JwkResult {
  KeyPtr key;
  bool skipped = false;
};

absl::StatusOr<std::string> DecodeMember(dom::object jwk, const char* member,
                                         std::string_view what) {
  std::string_view text;
  if (jwk[member].get_string().get(text) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(
        ToAbsl(what), ": \"", member, "\" missing or not a string"));
  }
  std::string out(Base64UrlDecodedMaxSize(text.size()), '\0');
  const ptrdiff_t n =
      Base64UrlDecode(text, reinterpret_cast<uint8_t*>(out.data()), out.size());
  if (n <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": \"", member, "\" is not base64url"));
  }
  out.resize(static_cast<size_t>(n));
  return out;
}

// RSA public-key validation without chance in it. OpenSSL's own check
// (SP 800-56B as its default provider applies it) also refuses a modulus
// when a random Miller-Rabin base happens to reveal a factor, so one JWKS
// could load on one fetch and fail on the next (fuzz finding
// jwks_parse-rsa-random-check). The same rules, decided the same way on
// every call: e odd, above 1 and below n; n odd, at most 16384 bits
// (OpenSSL's RSA limit for any use), with no factor below 752 and not a
// prime. The last is Fermat's test to base 2, 2^(n-1) mod n == 1: true of
// every prime (and of rare composites, refused too), one modular
// exponentiation where a proof of primality would take a hundred.
absl::Status CheckRsaPublic(const BIGNUM* n, const BIGNUM* e,
                            std::string_view what) {
  bool ok = BN_num_bits(n) <= 16384 && BN_is_odd(n) && BN_is_odd(e) &&
            !BN_is_one(e) && BN_cmp(e, n) < 0;
  for (BN_ULONG d = 3; ok && d < 752; d += 2) ok = BN_mod_word(n, d) != 0;
  if (ok) {
    std::unique_ptr<BN_CTX, OpenSslDeleter<BN_CTX_free>> ctx(BN_CTX_new());
    BignumPtr two(BN_new()), n_minus_1(BN_dup(n)), r(BN_new());
    ok = ctx && two && n_minus_1 && r && BN_set_word(two.get(), 2) == 1 &&
         BN_sub_word(n_minus_1.get(), 1) == 1 &&
         BN_mod_exp(r.get(), two.get(), n_minus_1.get(), n, ctx.get()) == 1 &&
         !BN_is_one(r.get());
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what),
                     ": public key fails validation (RSA modulus or "
                     "exponent unusable)"));
  }
  return absl::OkStatus();
}

// `check`: run OpenSSL's public-key check (deterministic for EC keys).
absl::StatusOr<EvpPkeyPtr> FromParams(const char* type, OSSL_PARAM_BLD* bld,
                                      bool check, std::string_view what) {
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (params == nullptr || ctx == nullptr ||
      EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) !=
          1) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": invalid key (", TakeOpenSslError(), ")"));
  }
  EvpPkeyPtr pkey(raw);
  if (!check) return pkey;
  EvpPkeyCtxPtr check_ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, raw, nullptr));
  if (check_ctx == nullptr || EVP_PKEY_public_check(check_ctx.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": public key fails validation (",
                     TakeOpenSslError(), ")"));
  }
  return pkey;
}

absl::StatusOr<EvpPkeyPtr> RsaFromJwk(dom::object jwk, std::string_view what) {
  auto n = DecodeMember(jwk, "n", what);
  if (!n.ok()) return n.status();
  auto e = DecodeMember(jwk, "e", what);
  if (!e.ok()) return e.status();
  BignumPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                           static_cast<int>(n->size()), nullptr));
  BignumPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                           static_cast<int>(e->size()), nullptr));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) !=
          1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) !=
          1) {
    return absl::InternalError(TakeOpenSslError());
  }
  absl::Status valid = CheckRsaPublic(bn_n.get(), bn_e.get(), what);
  if (!valid.ok()) return valid;
  return FromParams("RSA", bld.get(), /*check=*/false, what);
}

// Returns nullptr (no error) for curves we do not verify with.
absl::StatusOr<EvpPkeyPtr> EcFromJwk(dom::object jwk, std::string_view crv,
                                     std::string_view what) {
  const char* group = nullptr;
  size_t size = 0;
  if (crv == "P-256") {
    group = "prime256v1", size = 32;
  } else if (crv == "P-384") {
    group = "secp384r1", size = 48;
  } else if (crv == "P-521") {
    group = "secp521r1", size = 66;
  } else {
    return EvpPkeyPtr();
  }
  auto x = DecodeMember(jwk, "x", what);
  if (!x.ok()) return x.status();
  auto y = DecodeMember(jwk, "y", what);
  if (!y.ok()) return y.status();
  if (x->size() != size || y->size() != size) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": x and y must be ", size,
                     " bytes each for ", ToAbsl(crv)));
  }
  const std::string point = absl::StrCat("\x04", *x, *y);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                       point.data(), point.size()) != 1) {
    return absl::InternalError(TakeOpenSslError());
  }
  return FromParams("EC", bld.get(), /*check=*/true, what);
}

absl::StatusOr<JwkResult> ParseOne(const std::string& name, dom::element el,
                                   size_t index) {
  std::string what = absl::StrCat("key ", name, ": keys[", index, "]");
  dom::object jwk;
  if (el.get_object().get(jwk) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), " is not an object"));
  }
  std::string_view kid, kty, use, alg_name, crv;
  if (jwk["kid"].get_string().get(kid) == simdjson::SUCCESS) {
    absl::StrAppend(&what, " (kid \"", ToAbsl(kid), "\")");
  }
  if (jwk["kty"].get_string().get(kty) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": no \"kty\""));
  }
  // Keys for encryption, and algs or curves we do not verify, are skipped
  // rather than refused: IdPs publish them next to signing keys.
  if (jwk["use"].get_string().get(use) == simdjson::SUCCESS && use != "sig") {
    return JwkResult{nullptr, true};
  }
  std::optional<Alg> alg;
  if (jwk["alg"].get_string().get(alg_name) == simdjson::SUCCESS) {
    alg = AlgFromName(alg_name);
    if (!alg.has_value() || IsHmac(*alg)) return JwkResult{nullptr, true};
  }

  absl::StatusOr<EvpPkeyPtr> pkey = EvpPkeyPtr();
  if (kty == "RSA") {
    pkey = RsaFromJwk(jwk, what);
  } else if (kty == "EC") {
    if (jwk["crv"].get_string().get(crv) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(what), ": no \"crv\""));
    }
    pkey = EcFromJwk(jwk, crv, what);
  } else if (kty == "OKP") {
    if (jwk["crv"].get_string().get(crv) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(what), ": no \"crv\""));
    }
    if (crv == "Ed25519") {
      auto x = DecodeMember(jwk, "x", what);
      if (!x.ok()) return x.status();
      if (x->size() != 32) {
        return absl::InvalidArgumentError(
            absl::StrCat(ToAbsl(what), ": Ed25519 x must be 32 bytes"));
      }
      pkey = EvpPkeyPtr(EVP_PKEY_new_raw_public_key_ex(
          nullptr, "ED25519", nullptr,
          reinterpret_cast<const unsigned char*>(x->data()), x->size()));
      if (*pkey == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(ToAbsl(what), ": invalid Ed25519 key"));
      }
    }
  }
  if (!pkey.ok()) return pkey.status();
  if (*pkey == nullptr) return JwkResult{nullptr, true};  // kty/crv unused

  AlgMask algs = 0;
  if (alg.has_value()) {
    absl::Status fits = CheckKeyFitsAlg(pkey->get(), *alg, what);
    if (!fits.ok()) return fits;
    algs = AlgBit(*alg);
  } else {
    algs = DefaultAlgsFor(pkey->get());
    // Applies the RSA size floor to alg-less RSA keys too.
    for (int a = 0; a < kAlgCount; ++a) {
      if ((algs & AlgBit(static_cast<Alg>(a))) == 0) continue;
      absl::Status fits =
          CheckKeyFitsAlg(pkey->get(), static_cast<Alg>(a), what);
      if (!fits.ok()) return fits;
      break;
    }
  }
  return JwkResult{std::make_shared<PublicKey>(name, std::string(kid), algs,
                                               *std::move(pkey)),
                   false};
}

}  // namespace

absl::StatusOr<std::vector<KeyPtr>> ParseJwks(std::string name,
                                              std::string_view json) {
  dom::parser parser;
  dom::element doc;
  if (auto err = parser.parse(json.data(), json.size()).get(doc); err) {
    return absl::InvalidArgumentError(
        absl::StrCat("key ", name, ": JWKS is not valid JSON (",
                     simdjson::error_message(err), ")"));
  }
  dom::array keys;
  if (doc["keys"].get_array().get(keys) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("key ", name, ": JWKS has no \"keys\" array"));
  }
  std::vector<KeyPtr> out;
  size_t index = 0;
  for (dom::element el : keys) {
    auto one = ParseOne(name, el, index++);
    if (!one.ok()) return one.status();
    if (!one->skipped) out.push_back(std::move(one->key));
  }
  if (out.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key ", name,
        ": JWKS has no usable signing key (RSA, EC P-256/384/521, Ed25519)"));
  }
  return out;
}

}  // namespace jwtgate::jwt
