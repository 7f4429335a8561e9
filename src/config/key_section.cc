// [key NAME]: where a verification key comes from, and its algorithm.
#include <algorithm>
#include <cstdlib>
#include <utility>
#include <vector>

#include "config/sections.h"
#include "config/text.h"
#include "jwtgate/jwt/alg.h"

namespace jwtgate::config {
namespace {

constexpr KeyRule kKeyRules[] = {
    {"alg"},
    {"kid"},
    {"secret_env"},
    {"secret_file"},
    {"secret_credential"},
    {"secret_encoding"},
    {"public_key_file"},
    {"jwks_file"},
    {"jwks_url"},
    {"oidc_issuer"},
    {"jwks_refresh"},
    {"jwks_min_refetch"},
    {"ca_file"},
};

struct SourceName {
  std::string_view key;
  jwt::KeySpec::Source source;  // remote sources are JWKS documents too
  bool remote = false;
};
constexpr SourceName kSources[] = {
    {"secret_env", jwt::KeySpec::Source::kSecretEnv},
    {"secret_file", jwt::KeySpec::Source::kSecretFile},
    {"secret_credential", jwt::KeySpec::Source::kSecretCredential},
    {"public_key_file", jwt::KeySpec::Source::kPublicKeyFile},
    {"jwks_file", jwt::KeySpec::Source::kJwksFile},
    {"jwks_url", jwt::KeySpec::Source::kJwksFile, true},
    {"oidc_issuer", jwt::KeySpec::Source::kJwksFile, true},
};

bool IsSecretSource(jwt::KeySpec::Source s) {
  return s == jwt::KeySpec::Source::kSecretEnv ||
         s == jwt::KeySpec::Source::kSecretFile ||
         s == jwt::KeySpec::Source::kSecretCredential;
}

bool IsEnvName(std::string_view s) {
  if (s.empty() || s.size() > 128 || (s[0] >= '0' && s[0] <= '9')) {
    return false;
  }
  for (char c : s) {
    if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ResolvePath(std::string_view base_dir, std::string_view path) {
  if (path.front() == '/' || base_dir.empty()) return std::string(path);
  return Cat(base_dir, "/", path);
}

namespace {

// Checks the source's own value; false when it is unusable.
bool CheckSourceValue(const SectionReader& in, const IniEntry& e,
                      jwt::KeySpec::Source source) {
  switch (source) {
    case jwt::KeySpec::Source::kSecretEnv: {
      // The value is a variable name; it is not echoed when it does not look
      // like one, in case a secret was pasted here by mistake.
      if (!IsEnvName(e.value)) {
        in.Error(e, "not an environment variable name (letters, digits, _)");
        return false;
      }
      const char* v = std::getenv(e.value.c_str());
      if (v == nullptr) {
        in.Error(e, Cat("environment variable ", e.value, " is not set"));
        return false;
      }
      if (*v == '\0') {
        in.Error(e, Cat("environment variable ", e.value, " is empty"));
        return false;
      }
      return true;
    }
    case jwt::KeySpec::Source::kSecretCredential:
      if (e.value.find('/') != std::string::npos || e.value == "." ||
          e.value == "..") {
        in.Error(e, "a credential name must not contain '/'");
        return false;
      }
      return true;
    default:
      return true;
  }
}

void ReadAlg(const SectionReader& in, std::string_view source_key,
             KeyConfig* out) {
  const IniEntry* e = in.Get("alg");
  const jwt::KeySpec::Source source = out->spec.source;
  if (e == nullptr) {
    if (source != jwt::KeySpec::Source::kJwksFile) {
      in.SectionError(IsSecretSource(source)
                          ? "needs alg = HS256, HS384 or HS512"
                          : "needs alg (the public key's algorithm, e.g. "
                            "RS256, ES256, EdDSA)");
      out->valid = false;
    }
    return;
  }
  if (source == jwt::KeySpec::Source::kJwksFile) {
    in.Error(*e, Cat("does not apply to ", source_key,
                     " (each JWK names its own alg)"));
    out->valid = false;
    return;
  }
  std::optional<jwt::Alg> alg = jwt::AlgFromName(e->value);
  if (!alg) {
    in.Error(*e, Cat("unknown algorithm '", e->value,
                     "' (HS256/384/512, RS256/384/512, "
                     "PS256/384/512, ES256/384/512, EdDSA)"));
    out->valid = false;
    return;
  }
  if (IsSecretSource(source) && !jwt::IsHmac(*alg)) {
    in.Error(*e, Cat(e->value,
                     " needs a public key; a secret supports only "
                     "HS256, HS384 or HS512"));
    out->valid = false;
    return;
  }
  if (source == jwt::KeySpec::Source::kPublicKeyFile && jwt::IsHmac(*alg)) {
    in.Error(*e, Cat(e->value,
                     " needs a secret (secret_env, secret_file or "
                     "secret_credential), not public_key_file"));
    out->valid = false;
    return;
  }
  out->spec.alg = alg;
}

}  // namespace

absl::Span<const KeyRule> KeyKeyRules() { return kKeyRules; }

void ReadKeySection(const SectionReader& in, std::string_view base_dir,
                    KeyConfig* out) {
  const size_t errors_before = in.diag()->size();
  out->spec.name = in.section().name;
  out->line = in.section().line;
  if (out->spec.name.empty()) in.SectionError("needs a name: [key NAME]");

  // Sources in file order: the first one counts, later ones are errors.
  std::vector<std::pair<const IniEntry*, const SourceName*>> present;
  for (const SourceName& s : kSources) {
    if (const IniEntry* e = in.Get(s.key)) present.push_back({e, &s});
  }
  std::sort(present.begin(), present.end(), [](const auto& a, const auto& b) {
    return a.first->line < b.first->line;
  });
  const IniEntry* source_entry = nullptr;
  bool remote = false;
  for (const auto& [e, source] : present) {
    const SourceName& s = *source;
    if (source_entry != nullptr) {
      in.Error(*e, Cat(in.title(), " already has a source (", source_entry->key,
                       " at line ", source_entry->line, "); keep one"));
      continue;
    }
    source_entry = e;
    remote = s.remote;
    out->spec.source = s.source;
    out->spec.source_value = e->value;
    out->source_line = e->line;
  }
  if (source_entry == nullptr) {
    in.SectionError(
        "has no source: set one of secret_env, secret_file, "
        "secret_credential, public_key_file, jwks_file, jwks_url, "
        "oidc_issuer");
    out->valid = false;
    return;
  }
  const jwt::KeySpec::Source source = out->spec.source;
  if (remote) {
    ReadRemoteKey(in, *source_entry, base_dir, out);
  } else {
    CheckNoRemoteSettings(in, source_entry->key);
    if (!CheckSourceValue(in, *source_entry, source)) out->valid = false;
    if (source == jwt::KeySpec::Source::kSecretFile ||
        source == jwt::KeySpec::Source::kPublicKeyFile ||
        source == jwt::KeySpec::Source::kJwksFile) {
      out->spec.source_value = ResolvePath(base_dir, source_entry->value);
    }
  }

  ReadAlg(in, source_entry->key, out);
  if (const IniEntry* e = in.Get("secret_encoding")) {
    if (!IsSecretSource(source)) {
      in.Error(*e,
               "applies only to secret_env, secret_file and "
               "secret_credential");
    } else if (e->value == "raw") {
      out->spec.encoding = jwt::KeySpec::Encoding::kRaw;
    } else if (e->value == "base64") {
      out->spec.encoding = jwt::KeySpec::Encoding::kBase64;
    } else if (e->value == "base64url") {
      out->spec.encoding = jwt::KeySpec::Encoding::kBase64Url;
    } else {
      in.Error(*e,
               Cat("expected raw, base64 or base64url, got '", e->value, "'"));
    }
  }
  if (const IniEntry* e = in.Get("kid")) {
    if (source == jwt::KeySpec::Source::kJwksFile) {
      in.Error(*e, Cat("does not apply to ", source_entry->key,
                       " (each JWK has its own kid)"));
    } else {
      out->spec.kid = e->value;
    }
  }
  out->valid = in.diag()->size() == errors_before;
}

}  // namespace jwtgate::config
