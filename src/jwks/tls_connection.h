// File: src/jwks/tls_connection.h
//
// One client TLS connection on a non-blocking socket, every wait bounded by
// a deadline and abandoned when a cancel fd becomes readable. Used only by
// HttpsClient on the fetcher thread. Private to src/jwks.
//
// Ownership: owns the socket and the SSL object; borrows the SSL_CTX, which
// must outlive it. Thread rule: one thread at a time.
#ifndef JWTGATE_SRC_JWKS_TLS_CONNECTION_H_
#define JWTGATE_SRC_JWKS_TLS_CONNECTION_H_

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "jwtgate/common/unique_fd.h"
#include "jwtgate/jwks/https_url.h"

namespace jwtgate::jwks {

template <auto Fn>
struct SslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslDeleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, SslDeleter<SSL_free>>;

using SteadyTime = std::chrono::steady_clock::time_point;

// When each phase must be over, and what aborts every wait.
struct IoLimits {
  SteadyTime connect_deadline;  // TCP connect (each address)
  SteadyTime deadline;          // the whole exchange
  int cancel_fd = -1;           // readable → abort with Cancelled; -1: none
};

class TlsConnection {
 public:
  // Resolves `url.host` (or uses `connect_host`, a numeric address, when not
  // empty), connects to the first address that answers, and completes a TLS
  // handshake that verifies the certificate chain against `ctx`'s trust
  // store and the certificate's names against `url.host` (DNS name with SNI,
  // or IP address SAN). Errors name the host, never payload bytes.
  static absl::StatusOr<std::unique_ptr<TlsConnection>> Open(
      SSL_CTX* ctx, const HttpsUrl& url, const std::string& connect_host,
      const IoLimits& limits);

  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  absl::Status WriteAll(std::string_view bytes);

  struct ReadResult {
    size_t bytes = 0;   // > 0 unless eof
    bool eof = false;   // the peer closed
    bool clean = true;  // the close was a TLS close_notify
  };
  absl::StatusOr<ReadResult> Read(char* buf, size_t cap);

 private:
  TlsConnection(UniqueFd fd, SslPtr ssl, const IoLimits& limits,
                std::string peer)
      : fd_(std::move(fd)),
        ssl_(std::move(ssl)),
        limits_(limits),
        peer_(std::move(peer)) {}

  // Waits for the socket as SSL_get_error(`ret`) asks; an error for
  // anything but WANT_READ/WANT_WRITE.
  absl::Status WaitForSsl(int ret, std::string_view doing);

  UniqueFd fd_;
  SslPtr ssl_;
  IoLimits limits_;
  std::string peer_;  // "host:port" for messages
};

// Blocks SIGPIPE on the calling thread for its lifetime (a peer that
// closes while we write must give EPIPE, not kill the process) and discards
// a SIGPIPE left pending by such a write.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock();
  ~ScopedSigpipeBlock();
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  bool was_blocked_ = false;
};

// Text of the OpenSSL error queue of this thread (cleared), for messages.
std::string TakeSslErrors();

}  // namespace jwtgate::jwks

#endif  // JWTGATE_SRC_JWKS_TLS_CONNECTION_H_
