// Helpers shared by the tests/ops suites (header-only: the suite globs
// *_test.cc): temp dirs, promtool, a blocking HTTP client with a deadline.
#ifndef JWTGATE_TESTS_OPS_OPS_TEST_UTIL_H_
#define JWTGATE_TESTS_OPS_OPS_TEST_UTIL_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "jwtgate/common/socket_address.h"

namespace jwtgate::ops::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its files.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string ReadFile(const std::string& path);
inline void WriteFile(const std::string& path, const std::string& data);

// Runs `command` through /bin/sh; returns its exit status and puts its
// stdout+stderr in *output.
inline int RunCommand(const std::string& command, std::string* output);

// Runs the real `promtool check metrics` on `text`; returns its exit status
// and puts its report in *output.
inline int PromtoolCheckMetrics(const std::string& text, std::string* output);

// Sends `request` to `address` and reads until EOF (at most 5 s). Returns
// the raw response, or "" on connect failure or timeout.
inline std::string HttpExchange(const SocketAddress& address,
                                const std::string& request);

// Splits a raw HTTP response.
struct HttpResponse {
  int status = 0;
  std::string head;
  std::string body;
};
inline HttpResponse ParseResponse(const std::string& raw);

// Connects to `address` (blocking, 5 s receive timeout); -1 on failure.
inline int ConnectTo(const SocketAddress& address);

// A SocketAddress for 127.0.0.1:`port`.
inline SocketAddress Loopback(uint16_t port);

// --- implementation ---------------------------------------------------

inline TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base && *base ? base : "/tmp") + "/jwtgate-ops-test-XXXXXX";
  char* made = ::mkdtemp(tmpl.data());
  path_ = made ? made : "";
}

inline TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

inline int RunCommand(const std::string& command, std::string* output) {
  output->clear();
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) output->append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline int PromtoolCheckMetrics(const std::string& text, std::string* output) {
  TempDir dir;
  const std::string file = dir.File("metrics.txt");
  WriteFile(file, text);
  return RunCommand("promtool check metrics < '" + file + "'", output);
}

inline SocketAddress Loopback(uint16_t port) {
  SocketAddress a;
  auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
  in->sin_family = AF_INET;
  in->sin_port = htons(port);
  in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.len = sizeof(sockaddr_in);
  return a;
}

inline int ConnectTo(const SocketAddress& address) {
  const int fd = ::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(fd, address.addr(), address.len) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline std::string HttpExchange(const SocketAddress& address,
                                const std::string& request) {
  const int fd = ConnectTo(address);
  if (fd < 0) return "";
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n =
        ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string out;
  char buf[4096];
  while (true) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;  // EOF, error, or the 5 s receive timeout
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

inline HttpResponse ParseResponse(const std::string& raw) {
  HttpResponse r;
  const size_t end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || end == std::string::npos) return r;
  r.status = std::atoi(raw.substr(9, 3).c_str());
  r.head = raw.substr(0, end);
  r.body = raw.substr(end + 4);
  return r;
}

}  // namespace jwtgate::ops::testing

#endif  // JWTGATE_TESTS_OPS_OPS_TEST_UTIL_H_
