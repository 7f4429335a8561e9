// Registered claims: one read pass, then the policy's time/iss/aud checks.
#include "jwt/claims.h"

#include "jwt/claim_json.h"
#include "jwt/jws.h"

namespace jwtgate::jwt {
namespace {

enum Seen : uint32_t {
  kSeenExp = 1,
  kSeenNbf = 2,
  kSeenIat = 4,
  kSeenIss = 8,
  kSeenAud = 16,
  kSeenSub = 32,
};

std::string_view Keep(std::string_view s, std::string* storage) {
  // Capacity was reserved up front, so earlier views never move.
  const size_t at = storage->size();
  storage->append(s);
  return std::string_view(storage->data() + at, s.size());
}

AuthResult ReadTime(ondemand::value& v, bool* has, double* out) {
  if (v.get_double().get(*out) != simdjson::SUCCESS) {
    return AuthResult::kBadTimeClaim;
  }
  *has = true;
  return AuthResult::kOk;
}

}  // namespace

AuthResult ReadRegisteredClaims(ondemand::document& doc, size_t payload_len,
                                std::string* storage, RegisteredClaims* out) {
  out->has_exp = out->has_nbf = out->has_iat = false;
  out->exp = out->nbf = out->iat = 0;
  out->has_iss = out->has_sub = out->sub_bad = false;
  out->iss = out->sub = {};
  out->aud.clear();
  storage->clear();
  storage->reserve(payload_len);
  ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return AuthResult::kMalformed;
  }
  uint32_t seen = 0;
  for (auto field : obj) {
    std::string_view key;
    ondemand::value v;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS ||
        field.value().get(v) != simdjson::SUCCESS) {
      return AuthResult::kMalformed;
    }
    if (key.size() != 3) continue;  // every registered name is 3 letters
    uint32_t bit = 0;
    AuthResult r = AuthResult::kOk;
    if (key == "exp") {
      bit = kSeenExp, r = ReadTime(v, &out->has_exp, &out->exp);
    } else if (key == "nbf") {
      bit = kSeenNbf, r = ReadTime(v, &out->has_nbf, &out->nbf);
    } else if (key == "iat") {
      bit = kSeenIat, r = ReadTime(v, &out->has_iat, &out->iat);
    } else if (key == "iss") {
      bit = kSeenIss;
      std::string_view s;
      if (v.get_string().get(s) == simdjson::SUCCESS) {
        out->has_iss = true;
        out->iss = Keep(s, storage);
      }
    } else if (key == "aud") {
      bit = kSeenAud;
      std::string_view s;
      ondemand::array arr;
      if (v.get_string().get(s) == simdjson::SUCCESS) {
        out->aud.push_back(Keep(s, storage));
      } else if (v.get_array().get(arr) == simdjson::SUCCESS) {
        for (auto element : arr) {
          if (element.get_string().get(s) == simdjson::SUCCESS) {
            out->aud.push_back(Keep(s, storage));
          }
        }
      }
    } else if (key == "sub") {
      bit = kSeenSub;
      std::string_view s;
      if (v.get_string().get(s) == simdjson::SUCCESS) {
        out->has_sub = true;
        out->sub_bad = HasControlChar(s);
        out->sub = Keep(s, storage);
      }
    } else {
      continue;
    }
    if (seen & bit) return AuthResult::kMalformed;  // duplicate claim
    seen |= bit;
    if (r != AuthResult::kOk) return r;
  }
  if (!AtEnd(doc)) return AuthResult::kMalformed;
  return AuthResult::kOk;
}

AuthResult CheckRegisteredClaims(const RegisteredClaims& c,
                                 const Policy& policy, int64_t now_unix) {
  if (!c.has_exp) return AuthResult::kMissingExp;
  const double now = static_cast<double>(now_unix);
  const double leeway = static_cast<double>(policy.leeway_seconds);
  if (!(now < c.exp + leeway)) return AuthResult::kExpired;
  if (c.has_nbf && now + leeway < c.nbf) return AuthResult::kNotYetValid;
  if (c.has_iat && c.iat > now + leeway) return AuthResult::kIssuedInFuture;
  if (!policy.issuers.empty()) {
    bool ok = false;
    for (const std::string& iss : policy.issuers) {
      ok = ok || (c.has_iss && c.iss == iss);
    }
    if (!ok) return AuthResult::kBadIssuer;
  }
  if (!policy.audiences.empty()) {
    bool ok = false;
    for (std::string_view aud : c.aud) {
      for (const std::string& want : policy.audiences) ok = ok || aud == want;
    }
    if (!ok) return AuthResult::kBadAudience;
  }
  return AuthResult::kOk;
}

void CopyClaims(const RegisteredClaims& src, std::string* storage,
                RegisteredClaims* dst) {
  *dst = src;
  storage->clear();
  size_t total = src.iss.size() + src.sub.size();
  for (std::string_view a : src.aud) total += a.size();
  storage->reserve(total);
  dst->iss = Keep(src.iss, storage);
  dst->sub = Keep(src.sub, storage);
  for (size_t i = 0; i < src.aud.size(); ++i) {
    dst->aud[i] = Keep(src.aud[i], storage);
  }
}

}  // namespace jwtgate::jwt
