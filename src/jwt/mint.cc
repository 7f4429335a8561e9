// Token signing for `jwtgate mint`, tests and load tests (not the request
// path).
#include "jwtgate/jwt/mint.h"

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <simdjson.h>

#include "absl/strings/str_cat.h"
#include "jwt/ecdsa_der.h"
#include "jwt/key_impl.h"
#include "jwt/strings.h"
#include "jwtgate/common/base64url.h"
#include "jwtgate/common/clock.h"

namespace jwtgate::jwt {
namespace {

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      absl::StrAppend(out, "\\u00", absl::Hex(u, absl::kZeroPad2));
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

absl::StatusOr<std::string> SignWithPrivateKey(Alg alg, std::string_view input,
                                               std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EvpPkeyPtr pkey(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
          : nullptr);
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a PEM private key (", TakeOpenSslError(), ")"));
  }
  absl::Status fits = CheckKeyFitsAlg(pkey.get(), alg, "private key");
  if (!fits.ok()) return fits;

  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const AlgFamily family = FamilyOf(alg);
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), &pctx, DigestFor(alg), nullptr,
                         pkey.get()) != 1 ||
      (family == AlgFamily::kRsaPss &&
       (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))) {
    return absl::InternalError(TakeOpenSslError());
  }
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data, input.size()) != 1) {
    return absl::InternalError(TakeOpenSslError());
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()),
                     &len, data, input.size()) != 1) {
    return absl::InternalError(TakeOpenSslError());
  }
  sig.resize(len);
  if (family == AlgFamily::kEcdsa) {
    std::string raw;
    if (!EcdsaDerToRaw(sig, EcCoordinateSize(alg), &raw)) {
      return absl::InternalError("ECDSA signature conversion failed");
    }
    return raw;
  }
  return sig;
}

absl::StatusOr<std::string> Sign(Alg alg, std::string_view input,
                                 std::string_view secret_or_pem) {
  if (IsHmac(alg)) {
    if (secret_or_pem.empty()) {
      return absl::InvalidArgumentError("HMAC secret is empty");
    }
    auto key = HmacKey::Create("mint", alg, secret_or_pem, "");
    if (!key.ok()) return key.status();
    std::string mac(DigestSize(alg), '\0');
    if (!(*key)->Compute(input, reinterpret_cast<uint8_t*>(mac.data()))) {
      return absl::InternalError(TakeOpenSslError());
    }
    return mac;
  }
  return SignWithPrivateKey(alg, input, secret_or_pem);
}

}  // namespace

absl::StatusOr<std::string> SignRaw(Alg alg, std::string_view header_json,
                                    std::string_view payload_json,
                                    std::string_view secret_or_pem) {
  std::string token = absl::StrCat(Base64UrlEncode(header_json), ".",
                                   Base64UrlEncode(payload_json));
  auto sig = Sign(alg, token, secret_or_pem);
  if (!sig.ok()) return sig.status();
  absl::StrAppend(&token, ".", Base64UrlEncode(*sig));
  return token;
}

absl::StatusOr<std::string> Mint(const MintOptions& o) {
  if (IsHmac(o.alg)) {
    absl::Status ok = CheckHmacSecret(o.alg, o.secret.size(), "mint");
    if (!ok.ok()) return ok;
  } else if (o.private_key_pem.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("mint: ", ToAbsl(AlgName(o.alg)), " needs a private key"));
  }

  std::string header =
      absl::StrCat("{\"alg\":\"", ToAbsl(AlgName(o.alg)), "\"");
  if (!o.kid.empty()) {
    header += ",\"kid\":";
    AppendJsonString(o.kid, &header);
  }
  header += ",\"typ\":\"JWT\"}";

  std::string payload = "{";
  auto add_name = [&payload](std::string_view name) {
    if (payload.size() > 1) payload.push_back(',');
    AppendJsonString(name, &payload);
    payload.push_back(':');
  };
  if (o.iss) add_name("iss"), AppendJsonString(*o.iss, &payload);
  if (o.sub) add_name("sub"), AppendJsonString(*o.sub, &payload);
  if (o.aud.size() == 1) {
    add_name("aud"), AppendJsonString(o.aud[0], &payload);
  } else if (o.aud.size() > 1) {
    add_name("aud");
    payload.push_back('[');
    for (size_t i = 0; i < o.aud.size(); ++i) {
      if (i > 0) payload.push_back(',');
      AppendJsonString(o.aud[i], &payload);
    }
    payload.push_back(']');
  }
  if (o.ttl_seconds.has_value()) {
    const int64_t now =
        o.now_unix != 0 ? o.now_unix : SystemClock::Get().UnixSeconds();
    add_name("iat"), absl::StrAppend(&payload, now);
    add_name("exp"), absl::StrAppend(&payload, now + *o.ttl_seconds);
  }
  simdjson::dom::parser parser;
  for (const auto& [name, json] : o.claims_json) {
    const bool taken =
        (name == "iss" && o.iss) || (name == "sub" && o.sub) ||
        (name == "aud" && !o.aud.empty()) ||
        ((name == "iat" || name == "exp") && o.ttl_seconds.has_value());
    if (taken) {
      return absl::InvalidArgumentError(
          absl::StrCat("mint: claim ", name, " is set twice"));
    }
    simdjson::dom::element unused;
    if (parser.parse(json).get(unused) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(
          absl::StrCat("mint: claim ", name, " is not valid JSON"));
    }
    add_name(name);
    payload += json;
  }
  payload.push_back('}');
  return SignRaw(o.alg, header, payload,
                 IsHmac(o.alg) ? o.secret : o.private_key_pem);
}

}  // namespace jwtgate::jwt
