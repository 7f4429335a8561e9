// MetricsServer: an epoll loop on one thread serving /metrics and /healthz.
// Each connection carries one request (the answer has Connection: close);
// a connection that is not done by its deadline is closed.
#include "jwtgate/ops/metrics_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "jwtgate/common/clock.h"
#include "jwtgate/common/log.h"
#include "jwtgate/ops/metrics.h"

namespace jwtgate::ops {
namespace {

constexpr uint64_t kStopTag = 0;    // epoll data: the stop eventfd
constexpr uint64_t kListenTag = 1;  // epoll data: the listener
// Other epoll data values are connection fds + 2.

std::string Answer(int status, std::string_view reason,
                   std::string_view content_type, std::string_view body,
                   bool head_only, std::string_view extra_headers = "") {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
  out.append(reason).append("\r\nContent-Type: ").append(content_type);
  out.append("\r\nContent-Length: ").append(std::to_string(body.size()));
  out.append("\r\n").append(extra_headers);
  out.append("Cache-Control: no-store\r\nConnection: close\r\n\r\n");
  if (!head_only) out.append(body);
  return out;
}

absl::Status Errno(const char* what) {
  return absl::UnavailableError(
      absl::StrCat("metrics_listen: ", what, ": ", std::strerror(errno)));
}

}  // namespace

struct MetricsServer::Loop {
  struct Conn {
    UniqueFd fd;
    int64_t deadline_ms = 0;
    std::string in;
    std::string out;
    size_t sent = 0;
    bool writing = false;
  };

  const MetricsRegistry* registry;
  Options options;
  UniqueFd listener;
  UniqueFd epoll;
  UniqueFd stop;
  std::vector<Conn> conns;

  void Run();
  void Accept(int64_t now_ms);
  // Returns false when the connection is done and must be closed.
  bool OnReadable(Conn& c);
  bool OnWritable(Conn& c);
  std::string Respond(std::string_view head) const;
  void Close(size_t i);
};

std::string MetricsServer::Loop::Respond(std::string_view head) const {
  const size_t line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? std::string_view::npos
                                                   : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos ||
      !line.substr(sp2 + 1).starts_with("HTTP/1.")) {
    return Answer(400, "Bad Request", "text/plain", "bad request\n", false);
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  const bool head_only = method == "HEAD";
  if (method != "GET" && !head_only) {
    return Answer(405, "Method Not Allowed", "text/plain",
                  "method not allowed\n", false, "Allow: GET, HEAD\r\n");
  }
  if (target == "/metrics") {
    return Answer(200, "OK", "text/plain; version=0.0.4; charset=utf-8",
                  registry->RenderPrometheus(), head_only);
  }
  if (target == "/healthz") {
    if (registry->draining()) {
      return Answer(503, "Service Unavailable", "text/plain", "draining",
                    head_only);
    }
    if (!registry->serving()) {
      return Answer(503, "Service Unavailable", "text/plain", "starting",
                    head_only);
    }
    return Answer(200, "OK", "text/plain", "ok", head_only);
  }
  return Answer(404, "Not Found", "text/plain", "not found\n", head_only);
}

void MetricsServer::Loop::Close(size_t i) {
  // Closing the fd removes it from the epoll set.
  conns[i] = std::move(conns.back());
  conns.pop_back();
}

void MetricsServer::Loop::Accept(int64_t now_ms) {
  while (true) {
    const int fd = ::accept4(listener.get(), nullptr, nullptr,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or an error for that one peer
    UniqueFd owned(fd);
    if (static_cast<int>(conns.size()) >= options.max_connections) {
      continue;  // over the bound: closed at once
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
    ev.data.u64 = static_cast<uint64_t>(fd) + 2;
    if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) != 0) continue;
    Conn c;
    c.fd = std::move(owned);
    c.deadline_ms = now_ms + options.request_timeout_ms;
    conns.push_back(std::move(c));
  }
}

bool MetricsServer::Loop::OnReadable(Conn& c) {
  char buf[2048];
  while (!c.writing) {
    const ssize_t n = ::recv(c.fd.get(), buf, sizeof(buf), 0);
    if (n == 0) return false;  // peer closed before a full request
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    c.in.append(buf, static_cast<size_t>(n));
    const size_t end = c.in.find("\r\n\r\n");
    if (end != std::string::npos && end + 4 <= options.max_request_bytes) {
      c.out = Respond(std::string_view(c.in).substr(0, end + 2));
      c.writing = true;
    } else if (c.in.size() > options.max_request_bytes) {
      c.out = Answer(431, "Request Header Fields Too Large", "text/plain",
                     "request head too large\n", false);
      c.writing = true;
    }
  }
  return OnWritable(c);
}

bool MetricsServer::Loop::OnWritable(Conn& c) {
  while (c.writing && c.sent < c.out.size()) {
    const ssize_t n = ::send(c.fd.get(), c.out.data() + c.sent,
                             c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    c.sent += static_cast<size_t>(n);
  }
  if (!c.writing) return true;
  // Everything sent: half-close, so the client reads EOF after the answer.
  ::shutdown(c.fd.get(), SHUT_WR);
  return false;
}

void MetricsServer::Loop::Run() {
  const Clock& clock = SystemClock::Get();
  epoll_event events[32];
  while (true) {
    int64_t now = clock.MonotonicMillis();
    int timeout = -1;
    for (const Conn& c : conns) {
      const int64_t left = std::max<int64_t>(c.deadline_ms - now, 0);
      timeout = timeout < 0 ? static_cast<int>(left)
                            : std::min(timeout, static_cast<int>(left));
    }
    const int n = ::epoll_wait(epoll.get(), events, 32, timeout);
    if (n < 0 && errno != EINTR) {
      Logf(LogLevel::kError, "metrics server: epoll_wait: %s",
           std::strerror(errno));
      return;
    }
    now = clock.MonotonicMillis();
    for (int i = 0; i < n; ++i) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kStopTag) return;
      if (tag == kListenTag) {
        Accept(now);
        continue;
      }
      const int fd = static_cast<int>(tag - 2);
      auto it = std::find_if(conns.begin(), conns.end(),
                             [fd](const Conn& c) { return c.fd.get() == fd; });
      if (it == conns.end()) continue;
      bool keep = true;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) keep = false;
      if (keep) keep = it->writing ? OnWritable(*it) : OnReadable(*it);
      if (!keep) Close(static_cast<size_t>(it - conns.begin()));
    }
    for (size_t i = 0; i < conns.size();) {
      if (conns[i].deadline_ms <= now) {
        Close(i);  // too slow: closed without an answer
      } else {
        ++i;
      }
    }
  }
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const SocketAddress& address, const MetricsRegistry* registry,
    const Options& options) {
  auto loop = std::make_unique<Loop>();
  loop->registry = registry;
  loop->options = options;
  loop->listener.Reset(::socket(address.family(),
                                SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!loop->listener.valid()) return Errno("socket");
  const int one = 1;
  ::setsockopt(loop->listener.get(), SOL_SOCKET, SO_REUSEADDR, &one,
               sizeof(one));
  if (::bind(loop->listener.get(), address.addr(), address.len) != 0) {
    return Errno("bind");
  }
  if (::listen(loop->listener.get(), 64) != 0) return Errno("listen");
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->bound_.len = sizeof(server->bound_.storage);
  if (::getsockname(loop->listener.get(),
                    reinterpret_cast<sockaddr*>(&server->bound_.storage),
                    &server->bound_.len) != 0) {
    return Errno("getsockname");
  }
  loop->epoll.Reset(::epoll_create1(EPOLL_CLOEXEC));
  loop->stop.Reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!loop->epoll.valid() || !loop->stop.valid()) return Errno("epoll");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kStopTag;
  ::epoll_ctl(loop->epoll.get(), EPOLL_CTL_ADD, loop->stop.get(), &ev);
  ev.data.u64 = kListenTag;
  ::epoll_ctl(loop->epoll.get(), EPOLL_CTL_ADD, loop->listener.get(), &ev);
  server->loop_ = std::move(loop);
  server->thread_ = std::thread([l = server->loop_.get()] { l->Run(); });
  return server;
}

void MetricsServer::Stop() {
  if (!thread_.joinable()) return;
  const uint64_t one = 1;
  ssize_t unused = ::write(loop_->stop.get(), &one, sizeof(one));
  (void)unused;
  thread_.join();
  loop_.reset();  // closes the listener and every connection
}

MetricsServer::~MetricsServer() { Stop(); }

}  // namespace jwtgate::ops
