// File: tests/shard/in_test_upstream.h
//
// A tiny HTTP/1.1 upstream on a thread of the test process, on a real
// 127.0.0.1 socket: keep-alive, Content-Length bodies, one thread per
// connection. Every answer is 200 with the request head as its body and
// `X-Conn: N` (the connection's number, counted from 1), so tests can check
// what arrived and how many connections the gateway used. A target with
// `/slow/MS` in it waits MS ms before answering.
//
// Thread-safe counters; Stop() (or the destructor) closes and joins all.
#ifndef JWTGATE_TESTS_SHARD_IN_TEST_UPSTREAM_H_
#define JWTGATE_TESTS_SHARD_IN_TEST_UPSTREAM_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace jwtgate::testing {

class InTestUpstream {
 public:
  InTestUpstream() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    listen(listen_fd_, 128);
    socklen_t len = sizeof(a);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~InTestUpstream() { Stop(); }

  uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

  void Stop() {
    if (stop_.exchange(true)) return;
    acceptor_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int fd : open_) {
        if (fd >= 0) shutdown(fd, SHUT_RDWR);
      }
      workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
    close(listen_fd_);
  }

 private:
  void AcceptLoop() {
    while (!stop_.load()) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      const int n = ++connections_;
      std::lock_guard<std::mutex> lock(mu_);
      open_.push_back(fd);
      workers_.emplace_back([this, fd, n] { Serve(fd, n); });
    }
  }

  void Serve(int fd, int conn) {
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::string buf;
    char chunk[16384];
    for (;;) {
      size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
        ssize_t r = recv(fd, chunk, sizeof(chunk), 0);
        if (r <= 0) return Close(fd);
        buf.append(chunk, static_cast<size_t>(r));
      }
      const std::string head = buf.substr(0, end + 4);
      size_t body_len = 0;
      size_t cl = Lower(head).find("\r\ncontent-length:");
      if (cl != std::string::npos)
        body_len = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
      while (buf.size() < end + 4 + body_len) {
        ssize_t r = recv(fd, chunk, sizeof(chunk), 0);
        if (r <= 0) return Close(fd);
        buf.append(chunk, static_cast<size_t>(r));
      }
      buf.erase(0, end + 4 + body_len);
      ++requests_;
      size_t slow = head.find("/slow/");
      if (slow != std::string::npos && slow < head.find("\r\n")) {
        std::this_thread::sleep_for(std::chrono::milliseconds(
            std::strtoul(head.c_str() + slow + 6, nullptr, 10)));
      }
      std::string resp = "HTTP/1.1 200 OK\r\nX-Conn: " + std::to_string(conn) +
                         "\r\nContent-Length: " + std::to_string(head.size()) +
                         "\r\n\r\n" + head;
      if (send(fd, resp.data(), resp.size(), MSG_NOSIGNAL) < 0)
        return Close(fd);
    }
  }

  void Close(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& o : open_) {
      if (o == fd) o = -1;
    }
    close(fd);
  }

  static std::string Lower(std::string s) {
    for (char& c : s) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return s;
  }

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> open_;
  std::vector<std::thread> workers_;
};

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_SHARD_IN_TEST_UPSTREAM_H_
