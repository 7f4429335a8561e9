// `jwtgate mint`: signs a token from command-line options with jwt::Mint.
// The secret or private key is read here and never printed.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "app/commands.h"
#include "config/text.h"
#include "jwtgate/common/base64url.h"
#include "jwtgate/config/values.h"
#include "jwtgate/jwt/alg.h"
#include "jwtgate/jwt/mint.h"
#include "simdjson.h"

namespace jwtgate::app {
namespace {

struct MintArgs {
  std::string alg = "HS256";
  std::string secret_env, secret_file, secret_encoding = "raw";
  std::string private_key;
  std::string ttl = "1h";
  bool help = false;
  jwt::MintOptions options;
};

// A usage problem: message then the usage text on `err`.
int Usage(std::ostream& err, std::string_view message) {
  err << "jwtgate mint: " << message << "\n";
  PrintUsage(err);
  return kExitUsage;
}

int Failure(std::ostream& err, std::string_view message) {
  err << "jwtgate mint: " << message << "\n";
  return kExitFailure;
}

// `value` as JSON text: itself when it is one valid JSON value, else a JSON
// string holding it.
std::string ClaimJson(std::string_view value) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(value.data(), value.size());
  simdjson::dom::element element;
  if (!value.empty() &&
      parser.parse(padded).get(element) == simdjson::SUCCESS) {
    return std::string(value);
  }
  std::string out = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *out = text.str();
  return !in.bad();
}

// Same decoding as a [key] with secret_encoding (see jwt::LoadKeys).
bool DecodeSecret(const std::string& encoding, bool from_file, std::string raw,
                  std::string* out) {
  if (encoding == "raw") {
    if (from_file && !raw.empty() && raw.back() == '\n') {
      raw.pop_back();
      if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    }
    *out = std::move(raw);
    return true;
  }
  std::string_view text = config::StripWs(raw);
  if (encoding == "base64") return Base64StdDecode(text, out);
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  out->resize(Base64UrlDecodedMaxSize(text.size()));
  const ptrdiff_t n = Base64UrlDecode(
      text, reinterpret_cast<uint8_t*>(out->data()), out->size());
  if (n < 0) return false;
  out->resize(static_cast<size_t>(n));
  return true;
}

// Parses options into `m`; returns an empty string or a usage message.
std::string ParseArgs(const std::vector<std::string_view>& args, MintArgs* m) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view flag = args[i];
    if (flag == "--help" || flag == "-h") {
      m->help = true;
      return "";
    }
    std::string value;
    const size_t eq = flag.find('=');
    if (flag.starts_with("--") && eq != std::string_view::npos) {
      value = std::string(flag.substr(eq + 1));
      flag = flag.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = std::string(args[++i]);
    } else {
      return Cat("unknown or incomplete option '", flag, "'");
    }
    if (flag == "--alg") {
      m->alg = value;
    } else if (flag == "--secret-env") {
      m->secret_env = value;
    } else if (flag == "--secret-file") {
      m->secret_file = value;
    } else if (flag == "--secret-encoding") {
      m->secret_encoding = value;
    } else if (flag == "--private-key") {
      m->private_key = value;
    } else if (flag == "--kid") {
      m->options.kid = value;
    } else if (flag == "--sub") {
      m->options.sub = value;
    } else if (flag == "--iss") {
      m->options.iss = value;
    } else if (flag == "--aud") {
      m->options.aud.push_back(value);
    } else if (flag == "--ttl") {
      m->ttl = value;
    } else if (flag == "--claim") {
      const size_t sep = value.find('=');
      if (sep == 0 || sep == std::string::npos) {
        return Cat("--claim needs NAME=VALUE, got '", value, "'");
      }
      m->options.claims_json.emplace_back(
          value.substr(0, sep),
          ClaimJson(std::string_view(value).substr(sep + 1)));
    } else {
      return Cat("unknown option '", flag, "'");
    }
  }
  return "";
}

// Checks combinations and fills the options; returns a usage message or "".
std::string Validate(MintArgs* m, int64_t now_unix) {
  std::optional<jwt::Alg> alg = jwt::AlgFromName(m->alg);
  if (!alg) return Cat("unknown --alg '", m->alg, "'");
  m->options.alg = *alg;
  const bool hmac = jwt::IsHmac(*alg);
  const int secrets = !m->secret_env.empty() + !m->secret_file.empty();
  if (hmac && (secrets != 1 || !m->private_key.empty())) {
    return Cat(m->alg, " needs exactly one of --secret-env, --secret-file");
  }
  if (!hmac && (secrets != 0 || m->private_key.empty())) {
    return Cat(m->alg, " needs --private-key PEM (and no secret)");
  }
  if (m->secret_encoding != "raw" && m->secret_encoding != "base64" &&
      m->secret_encoding != "base64url") {
    return "--secret-encoding must be raw, base64 or base64url";
  }
  absl::StatusOr<int64_t> ttl_ms = config::ParseDurationMs(m->ttl);
  if (!ttl_ms.ok() || *ttl_ms < 1000 || *ttl_ms % 1000 != 0) {
    return Cat("--ttl needs whole seconds, at least 1s (e.g. 90s, 1h), got '",
               m->ttl, "'");
  }
  m->options.ttl_seconds = *ttl_ms / 1000;
  m->options.now_unix = now_unix;
  for (size_t i = 0; i < m->options.claims_json.size(); ++i) {
    const std::string& name = m->options.claims_json[i].first;
    if (name == "iat" || name == "exp") {
      return Cat("--claim ", name, " is set by --ttl");
    }
    if ((name == "sub" && m->options.sub) ||
        (name == "iss" && m->options.iss) ||
        (name == "aud" && !m->options.aud.empty())) {
      return Cat("--claim ", name, " conflicts with --", name);
    }
    for (size_t j = 0; j < i; ++j) {
      if (m->options.claims_json[j].first == name) {
        return Cat("--claim ", name, " is given twice");
      }
    }
  }
  return "";
}

// Reads the secret or private key into the options; "" or a message that
// names the source (never its content).
std::string LoadSigningMaterial(MintArgs* m) {
  if (!m->private_key.empty()) {
    if (!ReadFile(m->private_key, &m->options.private_key_pem)) {
      return Cat("cannot read --private-key ", m->private_key);
    }
    return "";
  }
  std::string raw;
  const bool from_file = !m->secret_file.empty();
  if (from_file) {
    if (!ReadFile(m->secret_file, &raw)) {
      return Cat("cannot read --secret-file ", m->secret_file);
    }
  } else {
    const char* v = std::getenv(m->secret_env.c_str());
    if (v == nullptr || *v == '\0') {
      return Cat("environment variable ", m->secret_env, " is not set");
    }
    raw = v;
  }
  if (!DecodeSecret(m->secret_encoding, from_file, std::move(raw),
                    &m->options.secret)) {
    return Cat("the secret is not valid ", m->secret_encoding);
  }
  if (m->options.secret.empty()) return "the secret is empty";
  return "";
}

}  // namespace

int RunMint(const std::vector<std::string_view>& args, int64_t now_unix,
            std::ostream& out, std::ostream& err) {
  MintArgs m;
  if (std::string e = ParseArgs(args, &m); !e.empty()) return Usage(err, e);
  if (m.help) {
    PrintUsage(out);
    return kExitOk;
  }
  if (std::string e = Validate(&m, now_unix); !e.empty()) return Usage(err, e);
  if (std::string e = LoadSigningMaterial(&m); !e.empty()) {
    return Failure(err, e);
  }
  absl::StatusOr<std::string> token = jwt::Mint(m.options);
  std::fill(m.options.secret.begin(), m.options.secret.end(), '\0');
  if (!token.ok()) return Failure(err, ToStd(token.status().message()));
  out << *token << "\n";
  return kExitOk;
}

}  // namespace jwtgate::app
