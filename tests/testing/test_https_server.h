// File: tests/testing/test_https_server.h
//
// A small HTTPS server on 127.0.0.1 (ephemeral port) run by a test thread:
// plays an IdP for the jwks and integration tests. Replies are set per path and
// may be changed while it runs; it counts and timestamps the requests per path
// so tests can assert how often the fetcher came. One connection at a time,
// `Connection: close` — enough for a single fetcher thread.
//
// Thread rule: all public methods are thread-safe. Header-only (see
// test_pki.h).
#ifndef JWTGATE_TESTS_TESTING_TEST_HTTPS_SERVER_H_
#define JWTGATE_TESTS_TESTING_TEST_HTTPS_SERVER_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwtgate/common/unique_fd.h"
#include "tests/testing/test_pki.h"

namespace jwtgate::testing {

class TestHttpsServer {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Framing { kContentLength, kChunked, kClose };
  struct Reply {
    int status = 200;
    std::string body;
    std::string extra_headers;  // full lines, e.g. "Cache-Control: x\r\n"
    Framing framing = Framing::kContentLength;
    bool hang = false;           // read the request, never answer
    bool drop = false;           // close without answering
    bool unclean_close = false;  // kClose without a TLS close_notify
  };

  explicit TestHttpsServer(const TestCert& identity) {
    ctx_.reset(SSL_CTX_new(TLS_server_method()));
    EXPECT_EQ(SSL_CTX_use_certificate(ctx_.get(), identity.cert.get()), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx_.get(), identity.key.get()), 1);
    listen_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), len),
              0);
    EXPECT_EQ(::listen(listen_.get(), 16), 0);
    ::getsockname(listen_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    int pipe_fds[2];
    EXPECT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    stop_read_ = UniqueFd(pipe_fds[0]);
    stop_write_ = UniqueFd(pipe_fds[1]);
    thread_ = std::thread([this] { Run(); });
  }

  ~TestHttpsServer() {
    char byte = 1;
    EXPECT_EQ(::write(stop_write_.get(), &byte, 1), 1);
    thread_.join();
  }

  uint16_t port() const { return port_; }
  std::string Origin() const {
    return absl::StrCat("https://127.0.0.1:", port_);
  }
  std::string Url(std::string_view path) const {
    return absl::StrCat(Origin(), std::string(path));
  }

  void SetReply(const std::string& path, Reply reply) {
    std::lock_guard<std::mutex> lock(mu_);
    replies_[path] = std::move(reply);
  }
  void SetJson(const std::string& path, std::string body,
               std::string extra_headers = "") {
    Reply r;
    r.body = std::move(body);
    r.extra_headers = std::move(extra_headers);
    SetReply(path, std::move(r));
  }

  int hits(const std::string& path) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = hits_.find(path);
    return it == hits_.end() ? 0 : static_cast<int>(it->second.size());
  }
  std::vector<Clock::time_point> hit_times(const std::string& path) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = hits_.find(path);
    return it == hits_.end() ? std::vector<Clock::time_point>{} : it->second;
  }
  // True once `path` has had `n` requests; false after `timeout`.
  bool WaitForHits(const std::string& path, int n,
                   std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      auto it = hits_.find(path);
      return it != hits_.end() && static_cast<int>(it->second.size()) >= n;
    });
  }
  std::string last_sni() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_sni_;
  }
  int handshake_failures() const {
    std::lock_guard<std::mutex> lock(mu_);
    return handshake_failures_;
  }

 private:
  using CtxPtr = std::unique_ptr<SSL_CTX, Free<SSL_CTX_free>>;
  using SslPtr = std::unique_ptr<SSL, Free<SSL_free>>;

  void Run() {
    // A client that goes away mid-reply must give EPIPE, not kill the test.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    for (;;) {
      pollfd fds[2] = {{listen_.get(), POLLIN, 0},
                       {stop_read_.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents != 0) return;
      UniqueFd conn(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (conn.valid()) Serve(conn.get());
    }
  }

  // Reads until the end of the request head; returns the request target.
  static std::string ReadRequestPath(SSL* ssl) {
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
      const int n = SSL_read(ssl, buf, sizeof(buf));
      if (n <= 0) return "";
      head.append(buf, static_cast<size_t>(n));
    }
    const size_t sp1 = head.find(' ');
    const size_t sp2 = head.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) return "";
    return head.substr(sp1 + 1, sp2 - sp1 - 1);
  }

  static void WriteAll(SSL* ssl, std::string_view bytes) {
    while (!bytes.empty()) {
      const int n =
          SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size()));
      if (n <= 0) return;  // client gone (e.g. it refused a huge body)
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Waits until the client closes or the server stops.
  void AwaitClose(int fd) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_read_.get(), POLLIN, 0}};
    ::poll(fds, 2, 30'000);
  }

  void Serve(int fd) {
    const timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    SslPtr ssl(SSL_new(ctx_.get()));
    SSL_set_fd(ssl.get(), fd);
    if (SSL_accept(ssl.get()) != 1) {
      std::lock_guard<std::mutex> lock(mu_);
      ++handshake_failures_;
      return;
    }
    const std::string path = ReadRequestPath(ssl.get());
    if (path.empty()) return;
    Reply reply;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const char* sni =
          SSL_get_servername(ssl.get(), TLSEXT_NAMETYPE_host_name);
      last_sni_ = sni != nullptr ? sni : "";
      hits_[path].push_back(Clock::now());
      auto it = replies_.find(path);
      if (it != replies_.end()) {
        reply = it->second;
      } else {
        reply.status = 404;
        reply.body = "not found";
      }
    }
    cv_.notify_all();
    if (reply.drop) return;
    if (reply.hang) {
      AwaitClose(fd);
      return;
    }
    std::string head =
        absl::StrCat("HTTP/1.1 ", reply.status, " X\r\n", reply.extra_headers,
                     "Content-Type: application/json\r\n"
                     "Connection: close\r\n");
    switch (reply.framing) {
      case Framing::kContentLength:
        absl::StrAppend(&head, "Content-Length: ", reply.body.size(),
                        "\r\n\r\n");
        WriteAll(ssl.get(), head);
        WriteAll(ssl.get(), reply.body);
        break;
      case Framing::kChunked: {
        absl::StrAppend(&head, "Transfer-Encoding: chunked\r\n\r\n");
        WriteAll(ssl.get(), head);
        std::string_view body = reply.body;
        while (!body.empty()) {
          const std::string_view chunk = body.substr(0, 1000);
          WriteAll(ssl.get(), absl::StrCat(absl::Hex(chunk.size()), "\r\n",
                                           std::string(chunk), "\r\n"));
          body.remove_prefix(chunk.size());
        }
        WriteAll(ssl.get(), "0\r\n\r\n");
        break;
      }
      case Framing::kClose:
        WriteAll(ssl.get(), absl::StrCat(head, "\r\n"));
        WriteAll(ssl.get(), reply.body);
        if (reply.unclean_close) return;  // no close_notify
        break;
    }
    SSL_shutdown(ssl.get());
  }

  CtxPtr ctx_;
  UniqueFd listen_;
  UniqueFd stop_read_, stop_write_;
  uint16_t port_ = 0;
  std::thread thread_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, Reply> replies_;
  std::map<std::string, std::vector<Clock::time_point>> hits_;
  std::string last_sni_;
  int handshake_failures_ = 0;
};

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_TESTING_TEST_HTTPS_SERVER_H_
