// jwtgate_test_upstream's per-thread epoll loop.
#include "event_loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace jwtgate::testing {
namespace {

constexpr uint64_t kListenerId = 0;  // connection ids start at 1
constexpr int kMaxEvents = 256;

absl::Status Errno(const char* what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventLoop>> EventLoop::Create(
    const sockaddr_in& addr, int thread_index, UpstreamStats* stats) {
  UniqueFd lfd(
      ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!lfd.valid()) return Errno("socket");
  int one = 1;
  ::setsockopt(lfd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  ::setsockopt(lfd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (::bind(lfd.get(), reinterpret_cast<const sockaddr*>(&addr),
             sizeof(addr)) != 0) {
    return Errno("bind");
  }
  if (::listen(lfd.get(), 4096) != 0) return Errno("listen");
  sockaddr_in bound{};
  socklen_t len = sizeof(bound);
  ::getsockname(lfd.get(), reinterpret_cast<sockaddr*>(&bound), &len);

  UniqueFd efd(::epoll_create1(EPOLL_CLOEXEC));
  if (!efd.valid()) return Errno("epoll_create1");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenerId;
  if (::epoll_ctl(efd.get(), EPOLL_CTL_ADD, lfd.get(), &ev) != 0) {
    return Errno("epoll_ctl");
  }
  return std::unique_ptr<EventLoop>(
      new EventLoop(std::move(lfd), std::move(efd), ntohs(bound.sin_port),
                    thread_index, stats));
}

EventLoop::EventLoop(UniqueFd listener, UniqueFd epoll, uint16_t port,
                     int thread_index, UpstreamStats* stats)
    : listener_(std::move(listener)),
      epoll_(std::move(epoll)),
      port_(port),
      thread_index_(thread_index),
      stats_(stats),
      responder_(stats),
      scratch_(new char[kScratchSize]) {}

EventLoop::~EventLoop() = default;

int64_t EventLoop::NowMs() const {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

void EventLoop::ScheduleTimer(uint64_t connection_id, int64_t deadline_ms) {
  timers_.emplace(deadline_ms, connection_id);
}

int EventLoop::WaitTimeoutMs() const {
  if (timers_.empty()) return -1;
  int64_t wait = timers_.top().first - NowMs();
  return wait <= 0 ? 0 : static_cast<int>(std::min<int64_t>(wait, 60'000));
}

void EventLoop::AcceptAll() {
  for (;;) {
    sockaddr_in peer{};
    socklen_t len = sizeof(peer);
    int fd = ::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer),
                       &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // EAGAIN, or out of fds: the listener stays armed
    }
    UniqueFd cfd(fd);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    stats_->connections.fetch_add(1, std::memory_order_relaxed);
    uint64_t id =
        stats_->next_connection_id.fetch_add(1, std::memory_order_relaxed);
    char host[INET_ADDRSTRLEN] = "?";
    ::inet_ntop(AF_INET, &peer.sin_addr, host, sizeof(host));
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = id;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) continue;
    auto conn = std::make_unique<UpstreamConnection>(
        std::move(cfd), id, absl::StrCat(host, ":", ntohs(peer.sin_port)),
        this);
    conns_.emplace(id, std::move(conn));
  }
}

void EventLoop::RunTimers() {
  int64_t now = NowMs();
  while (!timers_.empty() && timers_.top().first <= now) {
    uint64_t id = timers_.top().second;
    timers_.pop();
    auto it = conns_.find(id);
    if (it != conns_.end() && !it->second->OnTimer(now)) conns_.erase(it);
  }
}

void EventLoop::Run() {
  epoll_event events[kMaxEvents];
  for (;;) {
    int n = ::epoll_wait(epoll_.get(), events, kMaxEvents, WaitTimeoutMs());
    for (int i = 0; i < n; ++i) {
      uint64_t id = events[i].data.u64;
      if (id == kListenerId) {
        AcceptAll();
        continue;
      }
      auto it = conns_.find(id);
      if (it != conns_.end() && !it->second->OnEvents(events[i].events)) {
        conns_.erase(it);  // closing the fd also removes it from epoll
      }
    }
    RunTimers();
  }
}

}  // namespace jwtgate::testing
