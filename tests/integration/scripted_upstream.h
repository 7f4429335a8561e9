// File: tests/integration/scripted_upstream.h
//
// ScriptedUpstream: a TCP server on 127.0.0.1 whose every byte a fault test
// writes by hand, for upstream misbehaviour that jwtgate_test_upstream has
// no verb for (garbage answers, RST in the middle of a body, a head dripped
// one byte at a time, closing pooled connections on its own schedule).
// Each accepted connection runs `script` on a thread of its own; when the
// script returns with the socket still open, the server waits (bounded)
// for jwtgate to close its end. It counts the connections jwtgate closed
// (FIN or RST, seen during the script or after it).
//
//   auto up = ScriptedUpstream::Start([](ScriptedConnection& c) {
//     if (c.ReadRequest()) c.Write("SSH-2.0-nonsense\r\n");
//   });
//   ... route a jwtgate upstream to 127.0.0.1:(*up)->port() ...
//   EXPECT_TRUE((*up)->WaitAllFinished(std::chrono::seconds(3)));
//
// Header-only (the suite compiles only *_test.cc files). Thread rule: the
// counters are atomics read by the test thread; each ScriptedConnection
// belongs to its script's thread; the destructor stops and joins them all.
#ifndef JWTGATE_TESTS_INTEGRATION_SCRIPTED_UPSTREAM_H_
#define JWTGATE_TESTS_INTEGRATION_SCRIPTED_UPSTREAM_H_

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "jwtgate/common/unique_fd.h"

namespace jwtgate::testing {

// One accepted connection, driven by a script. Every call is bounded and
// returns early (false) once the server is stopping.
class ScriptedConnection {
 public:
  ScriptedConnection(UniqueFd fd, int index, const std::atomic<bool>* stop)
      : fd_(std::move(fd)), index_(index), stop_(stop) {}

  int index() const { return index_; }  // 0 for the first connection
  bool open() const { return fd_.valid(); }

  // Reads one request: the head, then a Content-Length body if any (a
  // chunked body is not needed by the fault tests). False at EOF, reset or
  // timeout. `head` (optional) receives the head without the blank line.
  bool ReadRequest(
      std::string* head = nullptr,
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return false;
    }
    std::string h = buf_.substr(0, end);
    size_t need = end + 4 + ContentLength(h);
    while (buf_.size() < need) {
      if (!Fill(deadline)) return false;
    }
    buf_.erase(0, need);
    if (head != nullptr) *head = std::move(h);
    return true;
  }

  bool Write(std::string_view bytes) {
    while (!bytes.empty() && fd_.valid()) {
      ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return bytes.empty();
  }

  // One byte, then `interval`, then the next; false once the peer is gone.
  bool Drip(std::string_view bytes, std::chrono::milliseconds interval) {
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (i > 0 && !Pause(interval)) return false;
      if (!Write(bytes.substr(i, 1))) return false;
    }
    return true;
  }

  // Sleeps `d` unless the peer closes or the server stops first (false).
  bool Pause(std::chrono::milliseconds d) {
    return !WaitPeerClose(d) && !stop_->load();
  }

  // True when the peer closes (FIN or RST) within `timeout`; bytes that
  // arrive meanwhile are buffered for ReadRequest.
  bool WaitPeerClose(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (fd_.valid() && !stop_->load()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      if (!Fill(deadline)) return peer_closed_;
    }
    return !fd_.valid() || peer_closed_;
  }

  // RST: SO_LINGER 0, then close.
  void Reset() {
    linger lg{1, 0};
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    fd_.Reset();
  }
  // FIN and close.
  void Close() { fd_.Reset(); }

  bool peer_closed() const { return peer_closed_; }

 private:
  static size_t ContentLength(std::string_view head) {
    std::string lower = absl::AsciiStrToLower(std::string(head));
    size_t pos = lower.find("\r\ncontent-length:");
    if (pos == std::string::npos) return 0;
    pos += 17;
    size_t eol = lower.find("\r\n", pos);
    size_t n = 0;
    std::string value(absl::StripAsciiWhitespace(lower.substr(pos, eol - pos)));
    return absl::SimpleAtoi(value, &n) ? n : 0;
  }

  // Reads what is there (waiting in 20ms steps up to `deadline`). False on
  // EOF, reset, timeout or stop.
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    while (fd_.valid() && !stop_->load()) {
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) {
        char tmp[16 * 1024];
        ssize_t n = ::recv(fd_.get(), tmp, sizeof(tmp), 0);
        if (n > 0) {
          buf_.append(tmp, static_cast<size_t>(n));
          return true;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        peer_closed_ = true;
        return false;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
    }
    return false;
  }

  UniqueFd fd_;
  int index_;
  const std::atomic<bool>* stop_;
  std::string buf_;
  bool peer_closed_ = false;
};

class ScriptedUpstream {
 public:
  using Script = std::function<void(ScriptedConnection&)>;

  // Answers every request with a small keep-alive 200 until the peer
  // closes (the default script).
  static void AnswerOk(ScriptedConnection& c) {
    while (c.ReadRequest(nullptr, std::chrono::seconds(60)) &&
           c.Write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) {
    }
  }

  static absl::StatusOr<std::unique_ptr<ScriptedUpstream>> Start(
      Script script) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (!fd.valid() ||
        ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(fd.get(), 128) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) !=
            0) {
      return absl::InternalError("scripted upstream: cannot listen");
    }
    std::unique_ptr<ScriptedUpstream> up(
        new ScriptedUpstream(std::move(fd), std::move(script)));
    up->port_ = ntohs(addr.sin_port);
    up->acceptor_ = std::thread([u = up.get()] { u->AcceptLoop(); });
    return up;
  }

  ~ScriptedUpstream() {
    stop_.store(true);
    if (acceptor_.joinable()) acceptor_.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (std::thread& t : workers_) t.join();
  }

  uint16_t port() const { return port_; }
  int connections() const { return accepted_.load(); }
  // Connections that jwtgate closed (FIN or RST).
  int closed_by_peer() const { return closed_by_peer_.load(); }
  // Connections still running their script or waiting for jwtgate to
  // close them.
  int live() const { return live_.load(); }

  // True once every connection so far is finished (see live()).
  bool WaitAllFinished(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (live_.load() > 0) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      ::poll(nullptr, 0, 10);
    }
    return true;
  }

 private:
  static constexpr int kMaxConnections = 512;

  ScriptedUpstream(UniqueFd fd, Script script)
      : listener_(std::move(fd)), script_(std::move(script)) {}

  void AcceptLoop() {
    while (!stop_.load()) {
      pollfd p{listener_.get(), POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      UniqueFd c(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!c.valid()) continue;
      const int index = accepted_.fetch_add(1);
      if (index >= kMaxConnections) continue;  // closed at once
      live_.fetch_add(1);
      std::lock_guard<std::mutex> lock(mu_);
      workers_.emplace_back([this, fd = std::move(c), index]() mutable {
        ScriptedConnection conn(std::move(fd), index, &stop_);
        script_(conn);
        if (conn.open() && !conn.peer_closed()) {
          conn.WaitPeerClose(std::chrono::seconds(10));
        }
        if (conn.peer_closed()) closed_by_peer_.fetch_add(1);
        live_.fetch_sub(1);
      });
    }
  }

  UniqueFd listener_;
  Script script_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> closed_by_peer_{0};
  std::atomic<int> live_{0};
  std::thread acceptor_;
  std::mutex mu_;  // guards workers_
  std::vector<std::thread> workers_;
};

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_INTEGRATION_SCRIPTED_UPSTREAM_H_
