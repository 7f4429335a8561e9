// File: jwtgate/jwks/https_url.h
//
// An `https://` URL split into what a TLS client needs: the host to resolve
// and verify, the port, and the request target. Only https is accepted:
// remote keys are never fetched in the clear. Plain value type.
#ifndef JWTGATE_JWKS_HTTPS_URL_H_
#define JWTGATE_JWKS_HTTPS_URL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace jwtgate::jwks {

struct HttpsUrl {
  // Lower-case DNS name, IPv4 literal, or IPv6 literal without brackets.
  std::string host;
  uint16_t port = 443;
  // Path and query, never empty ("/" when the URL has no path); the
  // fragment is dropped.
  std::string target;
  // True when `host` is an IP literal: the certificate must then carry it as
  // an IP address SAN, and no SNI is sent (RFC 6066 §3).
  bool host_is_ip = false;

  // "host", "host:port" (port omitted when 443), "[v6]:port": the Host
  // header value.
  std::string Authority() const;
  // "https://authority/path" without the query string, for log lines and
  // error messages (a query may carry credentials).
  std::string ForLog() const;
  // The whole URL, normalised ("https://authority/target").
  std::string ToString() const;
};

// Parses `text`. Errors (InvalidArgument) say what is wrong without echoing
// the query string: scheme not https, user info present, empty or invalid
// host, bad port, control characters or spaces anywhere.
absl::StatusOr<HttpsUrl> ParseHttpsUrl(std::string_view text);

}  // namespace jwtgate::jwks

#endif  // JWTGATE_JWKS_HTTPS_URL_H_
