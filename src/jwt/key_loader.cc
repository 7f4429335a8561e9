// LoadKeys: resolves a KeySpec's env var / file / systemd credential and
// builds the keys. Error messages name the source, never its content.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "jwt/strings.h"
#include "jwtgate/common/base64url.h"
#include "jwtgate/common/unique_fd.h"
#include "jwtgate/jwt/key.h"

namespace jwtgate::jwt {
namespace {

constexpr size_t kMaxSecretFile = 64 * 1024;
constexpr size_t kMaxKeyFile = 1024 * 1024;  // PEM and JWKS

absl::StatusOr<std::string> ReadSmallFile(const std::string& path, size_t limit,
                                          std::string_view what) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    std::string msg = absl::StrCat(ToAbsl(what), ": cannot open ", path, ": ",
                                   std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(msg)
                         : absl::InvalidArgumentError(msg);
  }
  std::string out;
  char buf[16 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          ToAbsl(what), ": cannot read ", path, ": ", std::strerror(errno)));
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > limit) {
      return absl::InvalidArgumentError(absl::StrCat(
          ToAbsl(what), ": ", path, " is larger than ", limit, " bytes"));
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// "environment variable X", "file P", "credential N": for messages.
std::string SourceName(const KeySpec& spec) {
  switch (spec.source) {
    case KeySpec::Source::kSecretEnv:
      return absl::StrCat("environment variable ", spec.source_value);
    case KeySpec::Source::kSecretCredential:
      return absl::StrCat("credential ", spec.source_value);
    default:
      return absl::StrCat("file ", spec.source_value);
  }
}

// Raw secret bytes from the spec's source (before decoding).
absl::StatusOr<std::string> ReadSecret(const KeySpec& spec,
                                       std::string_view what) {
  switch (spec.source) {
    case KeySpec::Source::kSecretEnv: {
      const char* value = std::getenv(spec.source_value.c_str());
      if (value == nullptr) {
        return absl::NotFoundError(
            absl::StrCat(ToAbsl(what), ": environment variable ",
                         spec.source_value, " is not set"));
      }
      return std::string(value);
    }
    case KeySpec::Source::kSecretFile:
      return ReadSmallFile(spec.source_value, kMaxSecretFile, what);
    case KeySpec::Source::kSecretCredential: {
      const std::string& cred = spec.source_value;
      if (cred.empty() || cred.find('/') != std::string::npos || cred == "." ||
          cred == "..") {
        return absl::InvalidArgumentError(absl::StrCat(
            ToAbsl(what),
            ": secret_credential must be a plain credential name"));
      }
      const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
      if (dir == nullptr || *dir == '\0') {
        return absl::NotFoundError(absl::StrCat(
            ToAbsl(what), ": secret_credential ", cred,
            " needs CREDENTIALS_DIRECTORY (systemd LoadCredential=)"));
      }
      return ReadSmallFile(absl::StrCat(dir, "/", cred), kMaxSecretFile, what);
    }
    default:
      return absl::InternalError("not a secret source");
  }
}

// Applies secret_encoding. Files usually end with a newline, which is never
// part of the secret: raw secrets from files lose one trailing "\n" or
// "\r\n"; encoded secrets lose all surrounding whitespace.
absl::StatusOr<std::string> DecodeSecret(const KeySpec& spec, std::string raw,
                                         std::string_view what) {
  const bool from_file = spec.source != KeySpec::Source::kSecretEnv;
  if (spec.encoding == KeySpec::Encoding::kRaw) {
    if (from_file && !raw.empty() && raw.back() == '\n') {
      raw.pop_back();
      if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    }
    return raw;
  }
  std::string_view text = Trim(raw);
  std::string out;
  if (spec.encoding == KeySpec::Encoding::kBase64) {
    if (!Base64StdDecode(text, &out)) {
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(what), ": secret is not valid base64"));
    }
    return out;
  }
  // base64url: padding tolerated (Auth0 tools emit both forms).
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  out.resize(Base64UrlDecodedMaxSize(text.size()));
  const ptrdiff_t n =
      Base64UrlDecode(text, reinterpret_cast<uint8_t*>(out.data()), out.size());
  if (n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": secret is not valid base64url"));
  }
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace

absl::StatusOr<std::vector<KeyPtr>> LoadKeys(const KeySpec& spec) {
  const std::string what = absl::StrCat("key ", spec.name);
  switch (spec.source) {
    case KeySpec::Source::kSecretEnv:
    case KeySpec::Source::kSecretFile:
    case KeySpec::Source::kSecretCredential: {
      if (!spec.alg.has_value() || !IsHmac(*spec.alg)) {
        return absl::InvalidArgumentError(absl::StrCat(
            ToAbsl(what), ": a secret needs alg = HS256, HS384 or HS512"));
      }
      auto raw = ReadSecret(spec, what);
      if (!raw.ok()) return raw.status();
      auto secret = DecodeSecret(spec, *std::move(raw), what);
      if (!secret.ok()) return secret.status();
      auto key = MakeHmacKey(spec.name, *spec.alg, *secret, spec.kid);
      std::fill(secret->begin(), secret->end(), '\0');
      if (!key.ok()) {
        return absl::Status(key.status().code(),
                            absl::StrCat(key.status().message(), " (from ",
                                         SourceName(spec), ")"));
      }
      return std::vector<KeyPtr>{*std::move(key)};
    }
    case KeySpec::Source::kPublicKeyFile: {
      if (!spec.alg.has_value() || IsHmac(*spec.alg)) {
        return absl::InvalidArgumentError(absl::StrCat(
            ToAbsl(what),
            ": public_key_file needs an asymmetric alg (RS256, ES256, "
            "EdDSA, ...)"));
      }
      auto pem = ReadSmallFile(spec.source_value, kMaxKeyFile, what);
      if (!pem.ok()) return pem.status();
      auto key = MakePemPublicKey(spec.name, *spec.alg, *pem, spec.kid);
      if (!key.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            key.status().message(), " (file ", spec.source_value, ")"));
      }
      return std::vector<KeyPtr>{*std::move(key)};
    }
    case KeySpec::Source::kJwksFile: {
      auto json = ReadSmallFile(spec.source_value, kMaxKeyFile, what);
      if (!json.ok()) return json.status();
      auto keys = ParseJwks(spec.name, *json);
      if (!keys.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            keys.status().message(), " (file ", spec.source_value, ")"));
      }
      return keys;
    }
  }
  return absl::InternalError("unknown key source");
}

}  // namespace jwtgate::jwt
