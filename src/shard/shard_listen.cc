// Listeners: multishot accept, the connection limit, descriptor exhaustion,
// and listeners opened or closed by a reload.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "jwtgate/common/log.h"
#include "shard/shard.h"

namespace jwtgate {
namespace {

// After EMFILE/ENFILE with none of our own connections left to close,
// accepting is retried this often.
constexpr int64_t kAcceptRetryMs = 100;

}  // namespace

std::vector<SocketAddress> Shard::bound() const {
  std::vector<SocketAddress> out;
  for (const Listener& l : listeners_) {
    if (l.fd.valid()) out.push_back(l.bound);
  }
  return out;
}

void Shard::ArmAccept(size_t i) {
  Listener& l = listeners_[i];
  if (l.armed || !l.fd.valid() || !accepting_ || draining_) return;
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_multishot_accept(sqe, l.fd.get(), nullptr, nullptr,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, Cookie(OpKind::kAccept, i, l.gen));
  l.armed = true;
}

void Shard::OnAccept(size_t i, uint32_t gen, const io_uring_cqe& cqe) {
  if (i >= listeners_.size() || listeners_[i].gen != gen) {
    // A completion of a listener slot that has been reused: never leak
    // the descriptor it carries.
    if (cqe.res >= 0) ::close(cqe.res);
    return;
  }
  Listener& l = listeners_[i];
  if (!(cqe.flags & IORING_CQE_F_MORE)) l.armed = false;
  if (cqe.res >= 0) {
    Connection* c = draining_ || !l.fd.valid() ? nullptr : AllocClient();
    if (c == nullptr) {
      ::close(cqe.res);
    } else {
      AdoptClient(*c, cqe.res);
    }
  } else if (cqe.res == -EMFILE || cqe.res == -ENFILE) {
    // Out of descriptors: accepting again at once would spin. Wait until
    // one of ours closes, or a short retry (the backlog holds the rest).
    if (!fds_exhausted_) {
      Logf(LogLevel::kWarn,
           "shard %d: out of file descriptors; accepting resumes when a "
           "connection closes",
           config_.index);
    }
    fds_exhausted_ = true;
    accept_retry_ms_ = now_ms_ + kAcceptRetryMs;
    StopAccepting();
  } else if (cqe.res != -ECANCELED && cqe.res != -EINTR) {
    Logf(LogLevel::kWarn, "shard %d: accept: %s", config_.index,
         std::strerror(-cqe.res));
  }
  // At the connection limit stop accepting: new connections wait in the
  // kernel backlog (or go to other shards) until a slot frees up.
  if (client_count_ >= options_.max_client_connections) StopAccepting();
  ArmAccept(i);
}

void Shard::AdoptClient(Connection& c, int fd) {
  c.fd = fd;
  socklen_t len = sizeof(c.peer.storage);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&c.peer.storage), &len) ==
      0) {
    c.peer.len = len;
    const std::string ip = c.peer.HostString();
    c.peer_ip_len =
        static_cast<uint8_t>(std::min(ip.size(), sizeof(c.peer_ip)));
    std::copy_n(ip.data(), c.peer_ip_len, c.peer_ip);
  }
  c.state = Connection::State::kIdle;
  timers_.Arm(&c.timer, kTimerClientHeader, now_ms_);
  ArmClientRecv(c);
}

void Shard::StopAccepting() {
  if (!accepting_) return;
  accepting_ = false;
  for (size_t i = 0; i < listeners_.size(); ++i) {
    if (listeners_[i].armed) {
      Cancel(Cookie(OpKind::kAccept, i, listeners_[i].gen));
    }
  }
}

void Shard::MaybeResumeAccepting(bool slot_freed) {
  if (accepting_ || draining_) return;
  if (client_count_ >= options_.max_client_connections / 10 * 9) return;
  if (fds_exhausted_ && !slot_freed && now_ms_ < accept_retry_ms_) return;
  accepting_ = true;
  fds_exhausted_ = false;
  for (size_t i = 0; i < listeners_.size(); ++i) ArmAccept(i);
}

void Shard::CloseListener(size_t i) {
  Listener& l = listeners_[i];
  if (l.armed) Cancel(Cookie(OpKind::kAccept, i, l.gen));
  // The pending accept holds its own reference until the cancel lands;
  // its last completion (same generation) clears `armed`.
  l.fd.Reset();
}

void Shard::ChangeListeners(const std::vector<SocketAddress>& close,
                            std::vector<ListenSocket> open) {
  for (const SocketAddress& address : close) {
    for (size_t i = 0; i < listeners_.size(); ++i) {
      if (listeners_[i].fd.valid() && listeners_[i].bound == address) {
        CloseListener(i);
      }
    }
  }
  for (ListenSocket& socket : open) {
    if (draining_) break;  // closes with `open`
    size_t i = 0;
    while (i < listeners_.size() &&
           (listeners_[i].fd.valid() || listeners_[i].armed)) {
      ++i;
    }
    if (i == listeners_.size()) listeners_.emplace_back();
    Listener& l = listeners_[i];
    ++l.gen;
    l.fd = std::move(socket.fd);
    l.bound = socket.bound;
    ArmAccept(i);
  }
}

}  // namespace jwtgate
