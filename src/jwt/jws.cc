// Compact JWS splitting and protected-header parsing.
#include "jwt/jws.h"

namespace jwtgate::jwt {

namespace ondemand = simdjson::ondemand;

bool AtEnd(ondemand::document& doc) {
  // current_location() fails once the iterator has consumed every token.
  const char* unused = nullptr;
  return doc.current_location().get(unused) != simdjson::SUCCESS;
}

AuthResult SplitJws(std::string_view token, JwsParts* parts) {
  const size_t first = token.find('.');
  if (first == std::string_view::npos || first == 0) {
    return AuthResult::kMalformed;
  }
  const size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || second == first + 1 ||
      token.find('.', second + 1) != std::string_view::npos) {
    return AuthResult::kMalformed;
  }
  parts->header = token.substr(0, first);
  parts->payload = token.substr(first + 1, second - first - 1);
  parts->signature = token.substr(second + 1);
  parts->signing_input = token.substr(0, second);
  return AuthResult::kOk;
}

AuthResult ParseJoseHeader(ondemand::parser& parser, const uint8_t* json,
                           size_t len, size_t capacity, JoseHeader* out) {
  ondemand::document doc;
  if (parser.iterate(json, len, capacity).get(doc) != simdjson::SUCCESS) {
    return AuthResult::kMalformed;
  }
  ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return AuthResult::kMalformed;
  }
  bool has_alg = false, has_crit = false;
  std::string_view alg_text;
  out->has_kid = false;
  out->kid = {};
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return AuthResult::kMalformed;
    }
    ondemand::value value;
    if (field.value().get(value) != simdjson::SUCCESS) {
      return AuthResult::kMalformed;
    }
    if (key == "alg") {
      if (has_alg || value.get_string().get(alg_text) != simdjson::SUCCESS) {
        return AuthResult::kMalformed;
      }
      has_alg = true;
    } else if (key == "kid") {
      if (out->has_kid ||
          value.get_string().get(out->kid) != simdjson::SUCCESS) {
        return AuthResult::kMalformed;
      }
      out->has_kid = true;
    } else if (key == "crit") {
      ondemand::array arr;
      size_t count = 0;
      if (has_crit || value.get_array().get(arr) != simdjson::SUCCESS ||
          arr.count_elements().get(count) != simdjson::SUCCESS || count == 0) {
        return AuthResult::kMalformed;
      }
      has_crit = true;
    } else if (key == "typ" || key == "cty") {
      std::string_view unused;
      if (value.get_string().get(unused) != simdjson::SUCCESS) {
        return AuthResult::kMalformed;
      }
    }
    // Anything else (jku, x5u, jwk, x5c, b64 without crit, private names)
    // is skipped by the iterator and never acted upon.
  }
  if (!AtEnd(doc) || !has_alg) return AuthResult::kMalformed;
  if (has_crit) return AuthResult::kUnknownCrit;
  const std::optional<Alg> alg = AlgFromName(alg_text);
  if (!alg.has_value()) return AuthResult::kUnsupportedAlg;
  out->alg = *alg;
  return AuthResult::kOk;
}

}  // namespace jwtgate::jwt
