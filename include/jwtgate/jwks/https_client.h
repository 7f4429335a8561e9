// File: jwtgate/jwks/https_client.h
//
// A small blocking HTTPS GET client for fetching key documents (JWKS, OIDC
// discovery) off the request path. OpenSSL TLS 1.2+ with the certificate
// chain verified against the system CA store (or `ca_file`) and the
// certificate's names verified against the URL's host (SNI sent for DNS
// names); llhttp reads the response (Content-Length, chunked, or
// close-delimited with a TLS close_notify). Only `200` is accepted; the body
// is bounded; redirects are not followed.
//
// Ownership: owns its SSL_CTX. Thread rule: Get() may be called from one
// thread at a time (the JWKS fetcher thread); it blocks that thread for at
// most `timeout` (plus name resolution, which uses the system resolver's own
// timeouts).
#ifndef JWTGATE_JWKS_HTTPS_CLIENT_H_
#define JWTGATE_JWKS_HTTPS_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace jwtgate::jwks {

inline constexpr size_t kMaxKeyDocumentBytes = 1024 * 1024;

struct HttpsClientOptions {
  // PEM file of the CA certificates to trust; empty: the system store.
  std::string ca_file;
  // TCP connect phase (all addresses of the host together).
  absl::Duration connect_timeout = absl::Seconds(5);
  // The whole exchange: connect, handshake, request, response.
  absl::Duration timeout = absl::Seconds(10);
  size_t max_body_bytes = kMaxKeyDocumentBytes;
  // Tests: a numeric address to connect to instead of resolving the URL's
  // host (like curl --resolve). The certificate is still checked against
  // the URL's host.
  std::string connect_to;
};

struct HttpsResponse {
  std::string body;
  // `Cache-Control: max-age` of the response, when present.
  std::optional<int64_t> max_age_seconds;
};

class HttpsClient {
 public:
  // Fails (InvalidArgument) when `ca_file` cannot be read as PEM
  // certificates, or when the system store cannot be set up.
  static absl::StatusOr<std::unique_ptr<HttpsClient>> Create(
      HttpsClientOptions options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // GETs `url` (which must be https). `cancel_fd`, when >= 0, aborts the
  // exchange (Cancelled) as soon as it becomes readable. Errors: the URL is
  // not https (InvalidArgument); resolve/connect/TLS/HTTP failures
  // (Unavailable); certificate or host name not trusted (PermissionDenied);
  // timeout (DeadlineExceeded); body over the limit (ResourceExhausted).
  // Messages name the URL without its query, never body bytes.
  absl::StatusOr<HttpsResponse> Get(std::string_view url,
                                    int cancel_fd = -1) const;

  const HttpsClientOptions& options() const { return options_; }

 private:
  struct Impl;
  HttpsClient(HttpsClientOptions options, std::unique_ptr<Impl> impl);

  HttpsClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jwtgate::jwks

#endif  // JWTGATE_JWKS_HTTPS_CLIENT_H_
