// Parsing of the https URLs that name a JWKS, an OIDC issuer, or the
// jwks_uri of a discovery document.
#include "jwtgate/jwks/https_url.h"

#include <arpa/inet.h>

#include <charconv>

#include "absl/strings/ascii.h"
#include "jwks/text.h"

namespace jwtgate::jwks {
namespace {

constexpr std::string_view kScheme = "https://";

bool IsIpv4(const std::string& host) {
  in_addr a;
  return inet_pton(AF_INET, host.c_str(), &a) == 1;
}

bool IsIpv6(const std::string& host) {
  in6_addr a;
  return inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

// Letters, digits, '-', '.', '_' (some private DNS zones use '_').
bool IsRegName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9');
    if (!alnum && c != '-' && c != '.' && c != '_') {
      return false;
    }
  }
  return host.front() != '.' && host.front() != '-';
}

absl::Status Invalid(std::string_view why) {
  return absl::InvalidArgumentError(Cat("invalid https URL: ", why));
}

}  // namespace

std::string HttpsUrl::Authority() const {
  std::string out =
      host.find(':') != std::string::npos ? Cat("[", host, "]") : host;
  if (port != 443) Append(&out, ":", port);
  return out;
}

std::string HttpsUrl::ForLog() const {
  std::string_view path = target;
  path = path.substr(0, path.find('?'));
  return Cat(kScheme, Authority(), path);
}

std::string HttpsUrl::ToString() const {
  return Cat(kScheme, Authority(), target);
}

absl::StatusOr<HttpsUrl> ParseHttpsUrl(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return Invalid("contains a space or control character");
    }
  }
  if (text.size() < kScheme.size() ||
      !EqualsNoCase(text.substr(0, kScheme.size()), kScheme)) {
    return Invalid(
        "must start with https:// (keys are never fetched in "
        "the clear)");
  }
  std::string_view rest = text.substr(kScheme.size());
  const size_t auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view tail =
      auth_end == std::string_view::npos ? "" : rest.substr(auth_end);
  tail = tail.substr(0, tail.find('#'));
  if (authority.find('@') != std::string_view::npos) {
    return Invalid("user info (user@host) is not allowed");
  }

  HttpsUrl url;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid("unclosed '[' in host");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Invalid("junk after ']' in host");
      port_text = after.substr(1);
      if (port_text.empty()) return Invalid("empty port");
    }
    if (!IsIpv6(url.host)) return Invalid("bad IPv6 address in brackets");
    url.host_is_ip = true;
  } else {
    const size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return Invalid("empty port");
    }
    if (url.host.empty()) return Invalid("no host");
    if (!IsRegName(url.host)) return Invalid("bad character in host");
    url.host_is_ip = IsIpv4(url.host);
  }
  absl::AsciiStrToLower(&url.host);

  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(),
                                     port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() ||
        port == 0 || port > 65535) {
      return Invalid("port must be a number in 1-65535");
    }
    url.port = static_cast<uint16_t>(port);
  }

  if (tail.empty() || tail.front() == '?') {
    url.target = Cat("/", tail);
  } else {
    url.target = std::string(tail);
  }
  return url;
}

}  // namespace jwtgate::jwks
