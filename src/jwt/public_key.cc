// RSA / RSA-PSS / ECDSA / Ed25519 verification with EVP_DigestVerify.
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "jwt/ecdsa_der.h"
#include "jwt/key_impl.h"
#include "jwt/strings.h"

namespace jwtgate::jwt {
namespace {

// Curve names as OpenSSL reports them (OSSL_PKEY_PARAM_GROUP_NAME).
std::string_view CurveFor(Alg alg) {
  switch (alg) {
    case Alg::kES256:
      return "prime256v1";
    case Alg::kES384:
      return "secp384r1";
    case Alg::kES512:
      return "secp521r1";
    default:
      return "";
  }
}

std::string GroupName(EVP_PKEY* pkey) {
  char name[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name,
                                     sizeof(name), &len) != 1) {
    return "";
  }
  return std::string(name, len);
}

bool IsRsa(EVP_PKEY* pkey) {
  return EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS");
}

constexpr int kMinRsaBits = 2048;

}  // namespace

EVP_MD_CTX* ThreadScratchMdCtx() {
  thread_local const EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx.get();
}

absl::Status CheckKeyFitsAlg(EVP_PKEY* pkey, Alg alg, std::string_view what) {
  const AlgFamily family = FamilyOf(alg);
  switch (family) {
    case AlgFamily::kHmac:
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(what), ": ", ToAbsl(AlgName(alg)),
                       " needs a secret, not a public key"));
    case AlgFamily::kRsa:
    case AlgFamily::kRsaPss:
      if (!IsRsa(pkey) ||
          (family == AlgFamily::kRsa && EVP_PKEY_is_a(pkey, "RSA-PSS"))) {
        return absl::InvalidArgumentError(absl::StrCat(
            ToAbsl(what), ": ", ToAbsl(AlgName(alg)), " needs an RSA key, got ",
            EVP_PKEY_get0_type_name(pkey)));
      }
      if (EVP_PKEY_get_bits(pkey) < kMinRsaBits) {
        return absl::InvalidArgumentError(
            absl::StrCat(ToAbsl(what), ": RSA key is ", EVP_PKEY_get_bits(pkey),
                         " bits; at least ", kMinRsaBits, " are required"));
      }
      return absl::OkStatus();
    case AlgFamily::kEcdsa: {
      const std::string group =
          EVP_PKEY_is_a(pkey, "EC") ? GroupName(pkey) : std::string();
      if (group != ToAbsl(CurveFor(alg))) {
        return absl::InvalidArgumentError(absl::StrCat(
            ToAbsl(what), ": ", ToAbsl(AlgName(alg)), " needs an EC ",
            ToAbsl(CurveFor(alg)), " key, got ", EVP_PKEY_get0_type_name(pkey),
            group.empty() ? "" : " ", group));
      }
      return absl::OkStatus();
    }
    case AlgFamily::kEdDsa:
      if (!EVP_PKEY_is_a(pkey, "ED25519")) {
        return absl::InvalidArgumentError(
            absl::StrCat(ToAbsl(what), ": EdDSA needs an Ed25519 key, got ",
                         EVP_PKEY_get0_type_name(pkey)));
      }
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError("unsupported alg");
}

AlgMask DefaultAlgsFor(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    return AlgBit(Alg::kRS256) | AlgBit(Alg::kRS384) | AlgBit(Alg::kRS512) |
           AlgBit(Alg::kPS256) | AlgBit(Alg::kPS384) | AlgBit(Alg::kPS512);
  }
  if (EVP_PKEY_is_a(pkey, "RSA-PSS")) {
    return AlgBit(Alg::kPS256) | AlgBit(Alg::kPS384) | AlgBit(Alg::kPS512);
  }
  if (EVP_PKEY_is_a(pkey, "EC")) {
    const std::string group = GroupName(pkey);
    for (Alg a : {Alg::kES256, Alg::kES384, Alg::kES512}) {
      if (group == CurveFor(a)) return AlgBit(a);
    }
    return 0;
  }
  if (EVP_PKEY_is_a(pkey, "ED25519")) return AlgBit(Alg::kEdDSA);
  return 0;
}

PublicKey::PublicKey(std::string name, std::string kid, AlgMask algs,
                     EvpPkeyPtr pkey)
    : Key(std::move(name), std::move(kid), algs), pkey_(std::move(pkey)) {}

bool PublicKey::Verify(Alg alg, std::string_view signing_input,
                       std::string_view signature) const {
  if (!Supports(alg)) return false;
  const AlgFamily family = FamilyOf(alg);
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  size_t sig_len = signature.size();
  uint8_t der[kMaxEcdsaDerSize];
  if (family == AlgFamily::kEcdsa) {
    // Exactly r||s of the curve's size: DER or truncated forms are refused.
    if (sig_len != 2 * EcCoordinateSize(alg)) return false;
    sig_len = EcdsaRawToDer(signature, der);
    if (sig_len == 0) return false;
    sig = der;
  } else if (family == AlgFamily::kEdDsa && sig_len != 64) {
    return false;
  }

  EVP_MD_CTX* ctx = ThreadScratchMdCtx();
  if (ctx == nullptr) return false;
  EVP_MD_CTX_reset(ctx);
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (EVP_DigestVerifyInit(ctx, &pctx, DigestFor(alg), nullptr, pkey_.get()) !=
      1) {
    EVP_MD_CTX_reset(ctx);
    return false;
  }
  if (family == AlgFamily::kRsaPss &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    EVP_MD_CTX_reset(ctx);
    return false;
  }
  const int rc = EVP_DigestVerify(
      ctx, sig, sig_len,
      reinterpret_cast<const unsigned char*>(signing_input.data()),
      signing_input.size());
  EVP_MD_CTX_reset(ctx);
  // A failed verify leaves entries on the thread's error queue; drop them so
  // they never leak into an unrelated error message later.
  if (rc != 1) ERR_clear_error();
  return rc == 1;
}

}  // namespace jwtgate::jwt
