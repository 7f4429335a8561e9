// Non-blocking TCP connect and TLS client I/O with deadlines (see header).
#include "jwks/tls_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "jwks/text.h"

namespace jwtgate::jwks {
namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const { freeaddrinfo(ai); }
};

// Waits until `fd` is ready for `events`, the deadline passes
// (DeadlineExceeded) or `cancel_fd` turns readable (Cancelled).
absl::Status WaitFd(int fd, short events, SteadyTime deadline, int cancel_fd,
                    std::string_view doing, std::string_view peer) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return absl::DeadlineExceededError(Cat("timed out ", doing, " ", peer));
    }
    pollfd fds[2] = {{fd, events, 0}, {cancel_fd, POLLIN, 0}};
    const int n =
        ::poll(fds, cancel_fd >= 0 ? 2 : 1,
               static_cast<int>(std::min<int64_t>(left.count(), INT32_MAX)));
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(Cat("poll: ", std::strerror(errno)));
    }
    if (cancel_fd >= 0 && fds[1].revents != 0) {
      return absl::CancelledError("fetch cancelled (shutting down)");
    }
    if (fds[0].revents != 0) return absl::OkStatus();
  }
}

absl::StatusOr<UniqueFd> ConnectTcp(const std::string& host, uint16_t port,
                                    bool numeric, const IoLimits& limits,
                                    const std::string& peer) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (numeric ? AI_NUMERICHOST : 0);
  addrinfo* raw = nullptr;
  const std::string port_text = std::to_string(port);
  // getaddrinfo has no deadline of its own; it is bounded by the resolver's
  // timeouts (resolv.conf), and runs only on the fetcher thread.
  const int gai = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &raw);
  if (gai != 0) {
    return absl::UnavailableError(
        Cat("cannot resolve ", host, ": ", gai_strerror(gai)));
  }
  std::unique_ptr<addrinfo, AddrInfoDeleter> list(raw);
  const SteadyTime until = std::min(limits.connect_deadline, limits.deadline);
  std::string last_error = "no address";
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(
        ::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
      last_error = std::strerror(errno);
      continue;
    }
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last_error = std::strerror(errno);
        continue;
      }
      absl::Status ready = WaitFd(fd.get(), POLLOUT, until, limits.cancel_fd,
                                  "connecting to", peer);
      if (absl::IsCancelled(ready)) return ready;
      if (!ready.ok()) {
        last_error = "connect timed out";
        if (std::chrono::steady_clock::now() >= until) break;
        continue;
      }
      int err = 0;
      socklen_t len = sizeof(err);
      if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        err = errno;
      }
      if (err != 0) {
        last_error = std::strerror(err);
        continue;
      }
    }
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
  }
  return absl::UnavailableError(
      Cat("cannot connect to ", peer, ": ", last_error));
}

}  // namespace

std::string TakeSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out.append("; ");
    out.append(buf);
    if (out.size() > 512) break;
  }
  ERR_clear_error();
  return out.empty() ? "unknown TLS error" : out;
}

absl::StatusOr<std::unique_ptr<TlsConnection>> TlsConnection::Open(
    SSL_CTX* ctx, const HttpsUrl& url, const std::string& connect_host,
    const IoLimits& limits) {
  const std::string peer = url.Authority();
  const bool override_host = !connect_host.empty();
  auto fd = ConnectTcp(override_host ? connect_host : url.host, url.port,
                       override_host || url.host_is_ip, limits, peer);
  if (!fd.ok()) return fd.status();

  ERR_clear_error();
  SslPtr ssl(SSL_new(ctx));
  if (ssl == nullptr || SSL_set_fd(ssl.get(), fd->get()) != 1) {
    return absl::InternalError(Cat("TLS set-up: ", TakeSslErrors()));
  }
  // The name checked against the certificate is always the URL's host, also
  // when the connection goes to an overridden address.
  int name_ok = 0;
  if (url.host_is_ip) {
    name_ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()),
                                            url.host.c_str());
  } else {
    SSL_set_hostflags(ssl.get(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    name_ok = SSL_set_tlsext_host_name(ssl.get(), url.host.c_str()) == 1 &&
              SSL_set1_host(ssl.get(), url.host.c_str()) == 1;
  }
  if (name_ok != 1) {
    return absl::InternalError(
        Cat("TLS set-up for ", peer, ": ", TakeSslErrors()));
  }
  SSL_set_connect_state(ssl.get());

  std::unique_ptr<TlsConnection> conn(
      new TlsConnection(*std::move(fd), std::move(ssl), limits, peer));
  for (;;) {
    ERR_clear_error();
    const int rc = SSL_connect(conn->ssl_.get());
    if (rc == 1) break;
    const long verify = SSL_get_verify_result(conn->ssl_.get());
    if (verify != X509_V_OK) {
      ERR_clear_error();
      return absl::PermissionDeniedError(
          Cat("TLS certificate of ", peer,
              " rejected: ", X509_verify_cert_error_string(verify)));
    }
    absl::Status waited = conn->WaitForSsl(rc, "in the TLS handshake with");
    if (!waited.ok()) return waited;
  }
  return conn;
}

absl::Status TlsConnection::WaitForSsl(int ret, std::string_view doing) {
  const int saved_errno = errno;
  const int err = SSL_get_error(ssl_.get(), ret);
  short events = 0;
  if (err == SSL_ERROR_WANT_READ) {
    events = POLLIN;
  } else if (err == SSL_ERROR_WANT_WRITE) {
    events = POLLOUT;
  } else if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
    return absl::UnavailableError(
        Cat("connection to ", peer_, " failed ", doing, " it: ",
            saved_errno != 0 ? std::strerror(saved_errno) : "closed by peer"));
  } else {
    return absl::UnavailableError(
        Cat("TLS error ", doing, " ", peer_, ": ", TakeSslErrors()));
  }
  return WaitFd(fd_.get(), events, limits_.deadline, limits_.cancel_fd, doing,
                peer_);
}

absl::Status TlsConnection::WriteAll(std::string_view bytes) {
  while (!bytes.empty()) {
    ERR_clear_error();
    const int n =
        SSL_write(ssl_.get(), bytes.data(),
                  static_cast<int>(std::min<size_t>(bytes.size(), INT32_MAX)));
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    absl::Status waited = WaitForSsl(n, "sending the request to");
    if (!waited.ok()) return waited;
  }
  return absl::OkStatus();
}

absl::StatusOr<TlsConnection::ReadResult> TlsConnection::Read(char* buf,
                                                              size_t cap) {
  for (;;) {
    ERR_clear_error();
    errno = 0;
    const int n = SSL_read(ssl_.get(), buf,
                           static_cast<int>(std::min<size_t>(cap, INT32_MAX)));
    if (n > 0) return ReadResult{static_cast<size_t>(n), false, true};
    const int saved_errno = errno;
    const int err = SSL_get_error(ssl_.get(), n);
    if (err == SSL_ERROR_ZERO_RETURN) return ReadResult{0, true, true};
    const unsigned long queued = ERR_peek_error();
    const bool unexpected_eof =
        (err == SSL_ERROR_SYSCALL && queued == 0 && saved_errno == 0) ||
        (err == SSL_ERROR_SSL &&
         ERR_GET_REASON(queued) == SSL_R_UNEXPECTED_EOF_WHILE_READING);
    if (unexpected_eof) {
      ERR_clear_error();
      return ReadResult{0, true, false};
    }
    errno = saved_errno;
    absl::Status waited = WaitForSsl(n, "reading the response from");
    if (!waited.ok()) return waited;
  }
}

ScopedSigpipeBlock::ScopedSigpipeBlock() {
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, &old);
  was_blocked_ = sigismember(&old, SIGPIPE) == 1;
}

ScopedSigpipeBlock::~ScopedSigpipeBlock() {
  if (was_blocked_) return;
  sigset_t set, pending;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
    const timespec zero{};
    sigtimedwait(&set, nullptr, &zero);
  }
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace jwtgate::jwks
