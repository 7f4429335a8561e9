// The shard loop: set-up, one submit-and-wait per turn, completion
// dispatch, timers, mailbox, snapshot switches and drain.
#include "shard/shard.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "jwtgate/common/log.h"
#include "jwtgate/common/status_macros.h"
#include "jwtgate/io/socket.h"
#include "jwtgate/io/user_data.h"

namespace jwtgate {
namespace {

int64_t ClockNs(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

Shard::Shard(const Config& config)
    : config_(config),
      options_(config.options),
      timers_(std::vector<int64_t>(kTimerClassCount, 1000)) {}

Shard::~Shard() {
  // The kernel drops every request when the ring goes; our fds close here.
  for (Connection& c : clients_) {
    if (c.fd >= 0) ::close(c.fd);
  }
  for (UpstreamConn& up : upstreams_) {
    if (up.fd >= 0) ::close(up.fd);
  }
  buffers_.reset();
  ring_.reset();
}

absl::StatusOr<std::unique_ptr<Shard>> Shard::Create(const Config& config) {
  std::unique_ptr<Shard> shard(new Shard(config));
  JWTGATE_RETURN_IF_ERROR(shard->Init());
  return shard;
}

absl::Status Shard::Init() {
  JWTGATE_ASSIGN_OR_RETURN(
      ring_, io::Ring::Create({.sq_entries = options_.sq_entries,
                               .cq_entries = options_.cq_entries}));
  JWTGATE_ASSIGN_OR_RETURN(
      buffers_,
      io::BufferRing::Create(ring_.get(), /*group_id=*/0, options_.recv_buffers,
                             options_.recv_buffer_size));
  const GatewaySettings& g = config_.snapshot->gateway();
  const uint32_t arena = g.max_header_bytes + 4 * options_.recv_buffer_size;
  pipes_ =
      std::make_unique<io::PipePool>(options_.max_pipes, options_.pipe_bytes);
  exchanges_ = std::make_unique<ExchangePool>(arena, g.max_header_bytes,
                                              options_.max_response_head_bytes,
                                              options_.max_headers);
  for (const SocketAddress& address : config_.listen) {
    JWTGATE_ASSIGN_OR_RETURN(
        UniqueFd fd, io::ListenReusePort(address, options_.listen_backlog));
    JWTGATE_ASSIGN_OR_RETURN(SocketAddress bound, io::LocalAddress(fd.get()));
    listeners_.push_back({.fd = std::move(fd), .bound = bound});
  }
  UpdateClock();
  SwitchSnapshot(config_.snapshot);
  for (size_t i = 0; i < listeners_.size(); ++i) ArmAccept(i);
  ArmMailbox();
  // Get the listeners' accepts into the kernel before Start() returns.
  ring_->Submit();
  return absl::OkStatus();
}

uint64_t Shard::Cookie(OpKind kind, uint32_t slot, uint32_t gen) const {
  return io::UserData::Pack(static_cast<uint8_t>(kind), slot, gen);
}

void Shard::UpdateClock() {
  now_ns_ = ClockNs(CLOCK_MONOTONIC);
  now_ms_ = now_ns_ / 1'000'000;
  unix_ms_ = ClockNs(CLOCK_REALTIME) / 1'000'000;
}

// The loop, in a fixed order:
//  1. submit what the last turn queued and wait for a completion or the
//     next timer deadline (one syscall);
//  2. read the clock once;
//  3. dispatch every ready completion (one handler per op kind), then
//     advance the CQ head once;
//  4. hand recycled buffers back to the kernel, re-arm receives that ran
//     out of buffers;
//  5. expire timers (after completions, so data that arrived in time wins);
//  6. heartbeat, access-log tick; exit once drained or stopped.
void Shard::Run() {
  UpdateClock();
  if (config_.metrics != nullptr) config_.metrics->Beat(now_ms_);
  while (!stop_) {
    int rc = ring_->SubmitAndWait(WaitTimeoutMs());
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY &&
        rc != -EAGAIN) {
      Logf(LogLevel::kError, "shard %d: io_uring_enter: %d", config_.index, rc);
    }
    UpdateClock();
    ring_->ForEachCompletion(
        [this](const io_uring_cqe& cqe) { Dispatch(cqe); });
    buffers_->Publish();
    RearmStarved();
    ExpireTimers();
    if (fds_exhausted_) MaybeResumeAccepting(/*slot_freed=*/false);
    buffers_->Publish();
    const uint32_t overflow = ring_->cq_overflow();
    if (overflow != cq_overflow_seen_) {
      // Completions were lost to a full CQ: multishot operations ended and
      // were re-armed, but the ring is too small for this load.
      Logf(LogLevel::kWarn, "shard %d: io_uring CQ overflowed (%u total)",
           config_.index, overflow);
      cq_overflow_seen_ = overflow;
    }
    if (config_.metrics != nullptr) config_.metrics->Beat(now_ms_);
    if (config_.access_log != nullptr) config_.access_log->Tick(now_ms_);
    if (draining_ && Drained()) break;
  }
  ring_->Submit();
}

int64_t Shard::WaitTimeoutMs() const {
  int64_t wait = options_.max_wait_ms;
  const int64_t next = timers_.NextDeadline();
  if (next != io::TimerLists::kNever) {
    wait = std::min(wait, std::max<int64_t>(0, next - now_ms_));
  }
  if (draining_) {
    wait = std::min(wait, std::max<int64_t>(0, drain_deadline_ms_ - now_ms_));
  }
  if (!starved_.empty()) wait = std::min<int64_t>(wait, 1);
  if (fds_exhausted_) {
    wait = std::min(wait, std::max<int64_t>(0, accept_retry_ms_ - now_ms_));
  }
  return wait;
}

void Shard::Dispatch(const io_uring_cqe& cqe) {
  const uint64_t ud = cqe.user_data;
  const auto kind = static_cast<OpKind>(io::UserData::Kind(ud));
  const uint32_t slot = io::UserData::Slot(ud);
  const uint32_t gen = io::UserData::Generation(ud);
  switch (kind) {
    case OpKind::kNone:
      return;
    case OpKind::kAccept:
      OnAccept(slot, gen, cqe);
      return;
    case OpKind::kMailbox:
      OnMailbox(cqe);
      return;
    case OpKind::kClientRecv:
    case OpKind::kClientSend: {
      Connection* c = slot < clients_.size() ? &clients_[slot] : nullptr;
      if (c == nullptr || c->gen != gen ||
          c->state == Connection::State::kFree) {
        // Cannot happen (slots wait for their last completion); never let
        // a provided buffer leak if it does.
        if (cqe.flags & IORING_CQE_F_BUFFER) {
          buffers_->Take(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
          Recycle(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
        }
        return;
      }
      if (kind == OpKind::kClientRecv) {
        OnClientRecv(*c, cqe);
      } else {
        OnClientSend(*c, cqe);
      }
      return;
    }
    case OpKind::kClientPollIn:
    case OpKind::kClientPollOut: {
      Connection* c = slot < clients_.size() ? &clients_[slot] : nullptr;
      if (c != nullptr && c->gen == gen &&
          c->state != Connection::State::kFree) {
        OnClientPoll(*c, kind == OpKind::kClientPollOut);
      }
      return;
    }
    case OpKind::kUpstreamPollIn:
    case OpKind::kUpstreamPollOut:
      if (UpstreamConn* up = FindUpstream(slot, gen)) {
        OnUpstreamPoll(*up, kind == OpKind::kUpstreamPollOut);
      }
      return;
    case OpKind::kUpstreamConnect:
    case OpKind::kUpstreamRecv:
    case OpKind::kUpstreamSend: {
      UpstreamConn* up = FindUpstream(slot, gen);
      if (up == nullptr) {
        if (cqe.flags & IORING_CQE_F_BUFFER) {
          buffers_->Take(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
          Recycle(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
        }
        return;
      }
      if (kind == OpKind::kUpstreamConnect) {
        OnUpstreamConnect(*up, cqe);
      } else if (kind == OpKind::kUpstreamRecv) {
        OnUpstreamRecv(*up, cqe);
      } else {
        OnUpstreamSend(*up, cqe);
      }
      return;
    }
  }
}

void Shard::Cancel(uint64_t user_data) {
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_cancel64(sqe, user_data, 0);
  io_uring_sqe_set_data64(sqe, Cookie(OpKind::kNone, 0, 0));
}

void Shard::CancelFd(int fd) {
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, Cookie(OpKind::kNone, 0, 0));
}

// ---- mailbox and snapshots

void Shard::ArmMailbox() {
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_read(sqe, config_.mailbox->fd(), &mailbox_value_,
                     sizeof(mailbox_value_), 0);
  io_uring_sqe_set_data64(sqe, Cookie(OpKind::kMailbox, 0, 0));
}

void Shard::OnMailbox(const io_uring_cqe& cqe) {
  (void)cqe;
  for (ShardMessage& m : config_.mailbox->Take()) {
    switch (m.kind) {
      case ShardMessage::Kind::kSnapshot:
        ChangeListeners(m.close_listeners, std::move(m.open_listeners));
        SwitchSnapshot(std::move(m.snapshot));
        break;
      case ShardMessage::Kind::kDrain:
        BeginDrain();
        break;
      case ShardMessage::Kind::kStop:
        stop_ = true;
        break;
    }
  }
  if (!stop_) ArmMailbox();
}

void Shard::ApplyLimits(const GatewaySettings& g) {
  timers_.SetDuration(kTimerClientHeader, g.client_header_timeout_ms);
  timers_.SetDuration(kTimerClientIdle, g.client_idle_timeout_ms);
  timers_.SetDuration(kTimerLinger, options_.linger_ms);
  timers_.SetDuration(kTimerUpstreamConnect, g.upstream_connect_timeout_ms);
  timers_.SetDuration(kTimerUpstreamResponse, g.upstream_timeout_ms);
  timers_.SetDuration(kTimerUpstreamIdle, options_.upstream_idle_ms);
  timers_.SetDuration(kTimerUpstreamSurplus, options_.upstream_surplus_ms);
  exchanges_->SetLimits(g.max_header_bytes + 4 * options_.recv_buffer_size,
                        g.max_header_bytes, options_.max_response_head_bytes,
                        options_.max_headers);
  if (verifier_ == nullptr ||
      verifier_cache_entries_ != g.token_cache_entries) {
    verifier_ = std::make_unique<jwt::Verifier>(g.token_cache_entries);
    verifier_cache_entries_ = g.token_cache_entries;
  } else {
    // Keys may have changed: a cached verdict must not outlive its key.
    verifier_->ClearCache();
  }
}

void Shard::SwitchSnapshot(SnapshotPtr snapshot) {
  auto next = std::make_unique<SnapshotState>();
  next->snapshot = std::move(snapshot);
  const Snapshot& snap = *next->snapshot;
  next->pools.resize(snap.upstreams().size());
  for (const Upstream& u : snap.upstreams()) {
    UpstreamPool& pool = next->pools[u.id];
    pool.upstream = &u;
    // Idle connections to an unchanged upstream carry over the reload.
    if (current_ == nullptr) continue;
    for (UpstreamPool& old : current_->pools) {
      if (old.upstream->name != u.name || old.upstream->servers != u.servers) {
        continue;
      }
      pool.next_server = old.next_server;
      pool.idle.swap(old.idle);
      for (uint32_t slot : pool.idle) upstreams_[slot].pool = &pool;
    }
  }
  if (current_ != nullptr) {
    for (UpstreamPool& old : current_->pools) {
      old.retired = true;
      std::vector<uint32_t> idle;
      idle.swap(old.idle);
      for (uint32_t slot : idle) CloseUpstream(upstreams_[slot]);
    }
  }
  ApplyLimits(snap.gateway());
  if (config_.metrics != nullptr) config_.metrics->OnSnapshot(snap);
  SnapshotState* previous = current_;
  snapshots_.push_back(std::move(next));
  current_ = snapshots_.back().get();
  current_->refs = 1;  // held while current
  if (previous != nullptr) UnrefSnapshot(previous);
}

void Shard::UnrefSnapshot(SnapshotState* state) {
  if (--state->refs > 0) return;
  for (auto it = snapshots_.begin(); it != snapshots_.end(); ++it) {
    if (it->get() == state) {
      snapshots_.erase(it);
      return;
    }
  }
}

// ---- timers, starved receives, drain

void Shard::ExpireTimers() {
  timers_.Expire(now_ms_, [this](io::TimerNode* node, int fired_class) {
    const uint64_t ud = node->cookie;
    const auto kind = static_cast<OpKind>(io::UserData::Kind(ud));
    const uint32_t slot = io::UserData::Slot(ud);
    const uint32_t gen = io::UserData::Generation(ud);
    if (kind == OpKind::kClientRecv) {
      if (slot < clients_.size() && clients_[slot].gen == gen) {
        OnClientTimer(clients_[slot]);
      }
    } else if (UpstreamConn* up = FindUpstream(slot, gen)) {
      up->timer_class_fired = fired_class;
      OnUpstreamTimer(*up);
    }
  });
  if (draining_ && now_ms_ >= drain_deadline_ms_) {
    for (Connection& c : clients_) {
      if (c.state != Connection::State::kFree &&
          c.state != Connection::State::kClosing) {
        CloseClient(c);
      }
    }
  }
}

void Shard::RearmStarved() {
  // Re-arm on buffer return, not on a timer: only while a good share of
  // the ring is free, oldest first.
  while (!starved_.empty() && buffers_->available() > buffers_->count() / 4) {
    Starved s = starved_.front();
    starved_.pop_front();
    if (s.upstream) {
      UpstreamConn* up = FindUpstream(s.slot, s.gen);
      if (up != nullptr && up->starved) {
        up->starved = false;
        ArmUpstreamRecv(*up);
      }
    } else if (s.slot < clients_.size() && clients_[s.slot].gen == s.gen &&
               clients_[s.slot].starved) {
      clients_[s.slot].starved = false;
      ArmClientRecv(clients_[s.slot]);
    }
  }
}

void Shard::BeginDrain() {
  if (draining_) return;
  draining_ = true;
  drain_deadline_ms_ = now_ms_ + current_->snapshot->gateway().drain_timeout_ms;
  for (size_t i = 0; i < listeners_.size(); ++i) CloseListener(i);
  for (Connection& c : clients_) {
    switch (c.state) {
      case Connection::State::kIdle:
        CloseClient(c);
        break;
      case Connection::State::kReadingHead:
        if (c.ex == nullptr || c.ex->in_end == 0) CloseClient(c);
        break;
      default:
        // Busy: the response in flight says Connection: close, or a request
        // already pipelined behind it gets 503 + close.
        break;
    }
  }
  for (UpstreamPool& pool : current_->pools) {
    std::vector<uint32_t> idle;
    idle.swap(pool.idle);
    for (uint32_t slot : idle) CloseUpstream(upstreams_[slot]);
  }
}

bool Shard::Drained() const {
  return client_count_ == 0 &&
         (upstream_count_ == 0 || now_ms_ >= drain_deadline_ms_ + 1000);
}

}  // namespace jwtgate
