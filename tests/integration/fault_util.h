// File: tests/integration/fault_util.h
//
// Support for the fault tests (fault_*_test.cc, issue 8): after each fault
// the real jwtgate process must be alive, its descriptors and memory back
// at their starting level, and other clients served meanwhile.
//
//   FdCensus     jwtgate's descriptors from /proc/PID/fd, its sockets sorted
//                into client, upstream and other by asking each socket
//                (pidfd_getfd; /proc/PID/net/tcp where that is refused).
//   Bystander    a thread that keeps sending authenticated requests through
//                the gateway while a fault runs, and reports how they went.
//   FaultFixture GatewayFixture with a fault world (small pools, a
//                ScriptedUpstream route) and the before/after checks.
//
// Memory rule: the shard keeps high-water structures by design (client and
// upstream slabs, the exchange pool, its splice pipe pool, malloc arenas),
// so the starting level for RSS and pipes is taken after one warm-up round
// of the fault; every later round must stay within kRssToleranceKib of it
// and hold no more pipes. Every other descriptor must return to the count
// before the fault. Under ASan the quarantine holds
// freed memory (up to 256 MiB), so there RSS is only bounded loosely and
// LeakSanitizer's report at jwtgate's exit (a non-zero exit status, which
// TearDown fails on) is the leak check.
//
// Header-only. Thread rule: a Bystander's report is read only after
// Stop(); everything else runs on the test thread.
#ifndef JWTGATE_TESTS_INTEGRATION_FAULT_UTIL_H_
#define JWTGATE_TESTS_INTEGRATION_FAULT_UTIL_H_

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwtgate/common/unique_fd.h"
#include "tests/integration/integration_util.h"
#include "tests/integration/scripted_upstream.h"

namespace jwtgate::testing {

using FaultClock = std::chrono::steady_clock;

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kUnderAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kUnderAsan = true;
#else
inline constexpr bool kUnderAsan = false;
#endif
#else
inline constexpr bool kUnderAsan = false;
#endif

// RSS growth allowed between the warm-up round and any later round. Plain
// builds: 2 MiB is malloc's slack (arena growth is page-granular, trimming
// is lazy); measured growth after the warm-up is under 100 KiB. A leak of
// one 16 KiB buffer per request, or of a few hundred bytes per connection
// over the rounds' thousands of connections, goes past it.
inline constexpr int64_t kRssToleranceKib = kUnderAsan ? 320 * 1024 : 2 * 1024;

// jwtgate's descriptors at one moment.
struct FdCensus {
  int total = 0;
  int client = 0;      // TCP sockets accepted on the gateway's port
  int upstream = 0;    // TCP sockets to one of the upstream ports
  int close_wait = 0;  // of client + upstream: the peer closed, jwtgate not
  int pipes = 0;       // pipe ends (splice pipes, pooled per shard)
  int other = 0;       // listeners, ring, eventfds, files, stray sockets
  int stray = 0;       // of `other`: TCP sockets without a peer (not yet
                       // connected, or reset and not yet closed by jwtgate)
  std::vector<std::string> others;  // "fd -> target" of each `other`

  std::string ToString() const {
    std::string s = absl::StrCat(
        "fds=", total, " (client ", client, ", upstream ", upstream,
        ", close-wait ", close_wait, ", pipes ", pipes, ", other ", other);
    for (const std::string& o : others) absl::StrAppend(&s, "; ", o);
    return s + ")";
  }
};

// What the census needs to know of one socket.
struct SocketFacts {
  bool tcp = false;
  uint16_t local_port = 0;
  uint16_t remote_port = 0;  // 0: no peer (closed or never connected)
  bool listening = false;
  bool close_wait = false;
};

// Port of "0100007F:1F90" (hex address:port).
inline uint16_t HexPort(const std::string& addr) {
  size_t colon = addr.rfind(':');
  uint32_t port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleHexAtoi(addr.substr(colon + 1), &port)) {
    return 0;
  }
  return static_cast<uint16_t>(port);
}

// Inode -> TCP socket, from /proc/PID/net/tcp{,6}: the fallback when
// pidfd_getfd is not allowed. The kernel writes that table in pieces, so
// under heavy socket churn (another test's thousands of connections) an
// entry can be missed; a missed socket then counts as stray.
inline std::unordered_map<uint64_t, SocketFacts> TcpTable(pid_t pid) {
  std::unordered_map<uint64_t, SocketFacts> table;
  for (const char* file : {"tcp", "tcp6"}) {
    std::ifstream in(absl::StrCat("/proc/", pid, "/net/", file));
    std::string line;
    std::getline(in, line);  // column titles
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retr, uid, tmo;
      uint64_t inode = 0;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retr >>
          uid >> tmo >> inode;
      if (inode == 0) continue;  // TIME_WAIT and friends own no descriptor
      table[inode] = {true, HexPort(local),
                      state == "07" ? uint16_t{0} : HexPort(remote),
                      state == "0A", state == "08"};
    }
  }
  return table;
}

// Facts of socket `fd` of the process behind `pidfd`, asked of the socket
// itself through a duplicate (pidfd_getfd, Linux 5.6, allowed to a parent):
// exact even while the system's socket tables churn. nullopt if not allowed.
inline std::optional<SocketFacts> AskSocket(int pidfd, int fd) {
  const int dup = static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, fd, 0));
  if (dup < 0) return std::nullopt;
  UniqueFd own(dup);
  SocketFacts f;
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(dup, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      (addr.ss_family != AF_INET && addr.ss_family != AF_INET6)) {
    return f;  // not a TCP/IP socket
  }
  auto port_of = [](const sockaddr_storage& a) {
    return ntohs(a.ss_family == AF_INET
                     ? reinterpret_cast<const sockaddr_in&>(a).sin_port
                     : reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  };
  f.tcp = true;
  f.local_port = port_of(addr);
  int accepting = 0;
  socklen_t alen = sizeof(accepting);
  ::getsockopt(dup, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &alen);
  f.listening = accepting != 0;
  tcp_info info{};
  socklen_t ilen = sizeof(info);
  const bool closed =
      ::getsockopt(dup, IPPROTO_TCP, TCP_INFO, &info, &ilen) == 0 &&
      info.tcpi_state == TCP_CLOSE;
  f.close_wait = info.tcpi_state == TCP_CLOSE_WAIT;
  len = sizeof(addr);
  if (!closed &&
      ::getpeername(dup, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    f.remote_port = port_of(addr);
  }
  return f;
}

inline FdCensus TakeFdCensus(pid_t pid, uint16_t gateway_port,
                             const std::vector<uint16_t>& upstream_ports) {
  FdCensus census;
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  std::optional<std::unordered_map<uint64_t, SocketFacts>> table;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(
           absl::StrCat("/proc/", pid, "/fd"), ec)) {
    ++census.total;
    const std::string name = entry.path().filename().string();
    const std::string target = std::filesystem::read_symlink(entry.path(), ec);
    int fd = -1;
    uint64_t inode = 0;
    std::optional<SocketFacts> f;
    if (target.rfind("socket:[", 0) == 0 && absl::SimpleAtoi(name, &fd) &&
        absl::SimpleAtoi(target.substr(8, target.size() - 9), &inode)) {
      if (pidfd.valid()) f = AskSocket(pidfd.get(), fd);
      if (!f.has_value()) {
        if (!table.has_value()) table = TcpTable(pid);
        auto it = table->find(inode);
        f = it != table->end() ? it->second : SocketFacts{};
        if (it == table->end()) f->tcp = true;  // missed, or closed
      }
    }
    if (target.rfind("pipe:[", 0) == 0) {
      ++census.pipes;
    } else if (!f.has_value() || !f->tcp || f->listening) {
      ++census.other;  // files, eventfds, the ring, listeners, AF_UNIX
      census.others.push_back(
          absl::StrCat(name, "->", target,
                       f.has_value() && f->listening ? " (listening)" : ""));
    } else if (f->remote_port != 0 && f->local_port == gateway_port) {
      ++census.client;
      census.close_wait += f->close_wait;
    } else if (f->remote_port != 0 &&
               std::find(upstream_ports.begin(), upstream_ports.end(),
                         f->remote_port) != upstream_ports.end()) {
      ++census.upstream;
      census.close_wait += f->close_wait;
    } else {
      ++census.other;
      if (f->remote_port == 0) ++census.stray;
      census.others.push_back(absl::StrCat(
          name, "->", target, " (tcp ", f->local_port, "->", f->remote_port,
          f->remote_port == 0 ? ", closed)" : ")"));
    }
  }
  return census;
}

// VmRSS of `pid` in KiB (-1 if unreadable).
inline int64_t ReadRssKib(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      int64_t kib = -1;
      std::istringstream(line.substr(6)) >> kib;
      return kib;
    }
  }
  return -1;
}

// Raises this process's descriptor limit to at least `needed` (up to the
// hard limit); false when the hard limit is lower.
inline bool EnsureFdLimit(rlim_t needed) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return false;
  if (lim.rlim_cur >= needed) return true;
  if (lim.rlim_max < needed) return false;
  lim.rlim_cur = needed;
  return ::setrlimit(RLIMIT_NOFILE, &lim) == 0;
}

// Waits until each of `clients` has something to read (bytes, FIN or RST)
// or `deadline` passes; returns when each became readable (time_point{}
// for those that did not). epoll, so 10,000 connections cost O(n).
inline std::vector<FaultClock::time_point> WaitReadable(
    std::vector<HttpClient>& clients, FaultClock::time_point deadline) {
  std::vector<FaultClock::time_point> when(clients.size());
  UniqueFd ep(::epoll_create1(EPOLL_CLOEXEC));
  for (size_t i = 0; i < clients.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = i;
    ::epoll_ctl(ep.get(), EPOLL_CTL_ADD, clients[i].fd(), &ev);
  }
  size_t pending = clients.size();
  std::vector<epoll_event> ready(1024);
  while (pending > 0 && FaultClock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - FaultClock::now());
    const int n =
        ::epoll_wait(ep.get(), ready.data(), static_cast<int>(ready.size()),
                     static_cast<int>(std::max<int64_t>(left.count(), 0)));
    const auto now = FaultClock::now();
    for (int k = 0; k < n; ++k) {
      const size_t i = ready[static_cast<size_t>(k)].data.u64;
      when[i] = now;
      ::epoll_ctl(ep.get(), EPOLL_CTL_DEL, clients[i].fd(), nullptr);
      --pending;
    }
  }
  return when;
}

// `n` pipelined GET /public/echo?i=K requests, K = 0..n-1.
inline std::string PipelinedEchoes(int n) {
  std::string burst;
  for (int i = 0; i < n; ++i) {
    burst += BuildRequest("GET", "/public/echo?i=" + std::to_string(i));
  }
  return burst;
}

// What a Bystander saw.
struct BystanderReport {
  int ok = 0;
  int failed = 0;
  std::chrono::milliseconds slowest{0};
  std::string first_failure;
};

// Sends GET /api/echo with a valid token every `period`, alternating a
// kept-alive connection and a fresh one, until Stop().
class Bystander {
 public:
  Bystander(uint16_t port, std::string token,
            std::chrono::milliseconds period = std::chrono::milliseconds(25))
      : port_(port), token_(std::move(token)), period_(period) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Bystander() { Stop(); }

  // Stops once it has been served `min_ok` times (waiting at most
  // `timeout` for that; a fast fault may end before), and reports.
  BystanderReport Stop(int min_ok = 0, std::chrono::milliseconds timeout =
                                           std::chrono::seconds(3)) {
    const auto deadline = FaultClock::now() + timeout;
    while (served_.load() < min_ok && FaultClock::now() < deadline) {
      ::poll(nullptr, 0, 10);
    }
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    return report_;
  }

 private:
  void Run() {
    std::optional<HttpClient> kept;
    const std::string request =
        BuildRequest("GET", "/api/echo?bystander=1",
                     {{"Authorization", "Bearer " + token_}});
    for (int i = 0; !stop_.load(); ++i) {
      const auto start = FaultClock::now();
      absl::Status error;
      if (i % 2 == 1 || !kept.has_value()) {  // a fresh connection
        absl::StatusOr<HttpClient> c = HttpClient::Connect(port_);
        if (c.ok()) {
          kept.emplace(*std::move(c));
        } else {
          error = c.status();
        }
      }
      if (error.ok()) {
        absl::StatusOr<HttpResponse> r =
            kept->RoundTrip(request, {.timeout = std::chrono::seconds(5)});
        if (!r.ok()) {
          error = r.status();
        } else if (r->status != 200) {
          error = absl::InternalError(absl::StrCat("status ", r->status));
        }
      }
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
          FaultClock::now() - start);
      report_.slowest = std::max(report_.slowest, took);
      if (error.ok()) {
        ++report_.ok;
        served_.store(report_.ok);
      } else {
        if (report_.failed++ == 0) report_.first_failure = error.ToString();
        kept.reset();
      }
      ::poll(nullptr, 0, static_cast<int>(period_.count()));
    }
  }

  const uint16_t port_;
  const std::string token_;
  const std::chrono::milliseconds period_;
  std::atomic<bool> stop_{false};
  std::atomic<int> served_{0};
  BystanderReport report_;
  std::thread thread_;
};

inline ::testing::AssertionResult WasServed(const BystanderReport& r) {
  const auto bound = std::chrono::milliseconds(kUnderAsan ? 3000 : 1000);
  if (r.failed == 0 && r.ok >= 3 && r.slowest < bound) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "the other client: " << r.ok << " served, " << r.failed
         << " failed (first: " << r.first_failure << "), slowest "
         << r.slowest.count() << "ms (bound " << bound.count() << "ms)";
}

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_INTEGRATION_FAULT_UTIL_H_
