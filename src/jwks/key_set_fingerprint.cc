// Order- and formatting-independent identity of a JWKS key set.
#include "jwks/key_set_fingerprint.h"

#include <openssl/evp.h>
#include <simdjson.h>

#include <algorithm>
#include <vector>

#include "jwks/text.h"

namespace jwtgate::jwks {

absl::StatusOr<std::string> KeySetFingerprint(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array keys;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS ||
      doc["keys"].get_array().get(keys) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("not a JWKS (no \"keys\" array)");
  }
  static constexpr const char* kMembers[] = {"kid", "kty", "use", "alg", "crv",
                                             "n",   "e",   "x",   "y"};
  std::vector<std::string> entries;
  for (simdjson::dom::element el : keys) {
    simdjson::dom::object jwk;
    if (el.get_object().get(jwk) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError("JWKS key is not an object");
    }
    std::string entry;
    for (const char* member : kMembers) {
      std::string_view value;
      // A member that is absent or not a string contributes its name only;
      // the separators keep "a"+"bc" apart from "ab"+"c".
      if (jwk[member].get_string().get(value) != simdjson::SUCCESS) value = {};
      Append(&entry, member, "=", value.size(), ":", value, ";");
    }
    entries.push_back(std::move(entry));
  }
  std::sort(entries.begin(), entries.end());
  std::string canonical;
  for (const std::string& e : entries) Append(&canonical, e, "\n");

  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), digest, &len, EVP_sha256(),
                 nullptr) != 1) {
    return absl::InternalError("SHA-256 failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), len);
}

}  // namespace jwtgate::jwks
