// Upstream connections: keep-alive pools (LIFO), round-robin connects with
// a deadline, the retry of a failed reused connection, and 502/504.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "jwtgate/common/log.h"
#include "jwtgate/io/socket.h"
#include "jwtgate/io/user_data.h"
#include "shard/shard.h"

namespace jwtgate {

using UState = UpstreamConn::State;

UpstreamConn* Shard::FindUpstream(uint32_t slot, uint32_t gen) {
  if (slot >= upstreams_.size()) return nullptr;
  UpstreamConn& up = upstreams_[slot];
  if (up.gen != gen || up.state == UState::kFree) return nullptr;
  return &up;
}

Connection* Shard::OwnerOf(UpstreamConn& up) {
  if (up.state != UState::kActive && up.state != UState::kConnecting) {
    return nullptr;
  }
  if (up.client_slot >= clients_.size()) return nullptr;
  Connection& c = clients_[up.client_slot];
  if (c.gen != up.client_gen || c.ex == nullptr || !c.ex->has_upstream ||
      c.ex->upstream_slot != up.slot || c.ex->upstream_gen != up.gen) {
    return nullptr;
  }
  return &c;
}

void Shard::BindUpstream(Connection& c, bool fresh) {
  Exchange& ex = *c.ex;
  UpstreamPool& pool = ex.snapshot->pools[ex.upstream_id];
  UpstreamConn* up = fresh ? nullptr : AcquireIdle(pool);
  if (up == nullptr) up = ConnectUpstream(pool);
  if (up == nullptr) {
    if (config_.metrics != nullptr) {
      config_.metrics->OnUpstreamError(*ex.snapshot->snapshot, ex.upstream_id,
                                       ops::UpstreamErrorKind::kRefused);
    }
    AnswerStatus(c, 502, ex.request_phase != Exchange::RequestPhase::kDone);
    return;
  }
  up->client_slot = c.slot;
  up->client_gen = c.gen;
  ex.has_upstream = true;
  ex.upstream_slot = up->slot;
  ex.upstream_gen = up->gen;
  if (config_.access_log != nullptr && config_.access_log->enabled()) {
    ex.upstream_addr = up->server.ToString();
  }
  ex.response_phase = Exchange::ResponsePhase::kHead;
  ex.resp_end = 0;
  ex.resp_pos = 0;
  ex.response.Start(ex.resp.get(), ex.head_request);
  ex.upstream_start_ns = now_ns_;
  if (!up->out.PushBorrowed(
          ex.upstream_request.data(),
          static_cast<uint32_t>(ex.upstream_request.size()))) {
    CloseClient(c);
    return;
  }
  if (up->state == UState::kActive) {
    timers_.Arm(&up->timer, kTimerUpstreamResponse, now_ms_);
    FlushUpstream(*up);
  }
  if (!fresh) {
    // The body prefix that came with the head went the copy way.
    if (config_.metrics != nullptr) {
      config_.metrics->OnBodyBytes(ex.request.body_bytes(), 0);
    }
    MaybeStartRequestSplice(c, *up);
  }
}

UpstreamConn* Shard::AcquireIdle(UpstreamPool& pool) {
  while (!pool.idle.empty()) {
    UpstreamConn& up = upstreams_[pool.idle.back()];
    pool.idle.pop_back();
    if (up.state != UState::kIdle) continue;
    up.state = UState::kActive;
    return &up;
  }
  return nullptr;
}

UpstreamConn* Shard::ConnectUpstream(UpstreamPool& pool) {
  const Upstream& u = *pool.upstream;
  if (u.servers.empty() ||
      upstream_count_ >= options_.max_upstream_connections) {
    return nullptr;
  }
  const SocketAddress& server = u.servers[pool.next_server % u.servers.size()];
  ++pool.next_server;
  absl::StatusOr<UniqueFd> fd = io::NewStreamSocket(server.family());
  if (!fd.ok()) {
    Logf(LogLevel::kWarn, "shard %d: upstream %s: %s", config_.index, u.name,
         std::string(fd.status().message()));
    return nullptr;
  }
  UpstreamConn* up;
  if (!free_upstreams_.empty()) {
    up = &upstreams_[free_upstreams_.back()];
    free_upstreams_.pop_back();
  } else {
    if (upstreams_.size() > io::UserData::kMaxSlot) return nullptr;
    upstreams_.emplace_back();
    up = &upstreams_.back();
    up->slot = static_cast<uint32_t>(upstreams_.size() - 1);
  }
  ++up->gen;
  up->fd = fd->Release();
  up->state = UState::kConnecting;
  up->inflight = 0;
  up->recv_armed = up->recv_paused = up->starved = up->eof = false;
  up->requests = 0;
  up->pool = &pool;
  up->server = server;
  up->timer = io::TimerNode{};
  up->timer.cookie = Cookie(OpKind::kUpstreamRecv, up->slot, up->gen);
  up->splice_src = up->poll_in = up->poll_out = up->recv_oneshot = false;
  ++upstream_count_;
  if (config_.metrics != nullptr) {
    config_.metrics->SetConnections(ops::ConnectionSide::kUpstream,
                                    upstream_count_);
  }
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_connect(sqe, up->fd, up->server.addr(), up->server.len);
  io_uring_sqe_set_data64(sqe,
                          Cookie(OpKind::kUpstreamConnect, up->slot, up->gen));
  ++up->inflight;
  timers_.Arm(&up->timer, kTimerUpstreamConnect, now_ms_);
  return up;
}

void Shard::OnUpstreamConnect(UpstreamConn& up, const io_uring_cqe& cqe) {
  --up.inflight;
  if (up.state != UState::kConnecting) {
    MaybeFreeUpstream(up);
    return;
  }
  Connection* c = OwnerOf(up);
  if (c == nullptr) {
    CloseUpstream(up);
    return;
  }
  if (cqe.res < 0) {
    UpstreamFailed(*c, up, ops::UpstreamErrorKind::kRefused);
    return;
  }
  up.state = UState::kActive;
  ArmUpstreamRecv(up);
  timers_.Arm(&up.timer, kTimerUpstreamResponse, now_ms_);
  FlushUpstream(up);
}

void Shard::ArmUpstreamRecv(UpstreamConn& up) {
  if (up.recv_armed || up.recv_paused || up.eof || up.starved ||
      up.splice_src ||
      (up.state != UState::kActive && up.state != UState::kIdle)) {
    return;
  }
  io_uring_sqe* sqe = ring_->GetSqe();
  if (options_.multishot_recv && !up.recv_oneshot) {
    io_uring_prep_recv_multishot(sqe, up.fd, nullptr, 0, 0);
  } else {
    io_uring_prep_recv(sqe, up.fd, nullptr, 0, 0);
  }
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = buffers_->group_id();
  io_uring_sqe_set_data64(sqe, Cookie(OpKind::kUpstreamRecv, up.slot, up.gen));
  up.recv_armed = true;
  ++up.inflight;
}

void Shard::PauseUpstreamRecv(UpstreamConn& up) {
  if (up.recv_paused) return;
  up.recv_paused = true;
  if (up.recv_armed) Cancel(Cookie(OpKind::kUpstreamRecv, up.slot, up.gen));
}

void Shard::ResumeUpstreamRecv(UpstreamConn& up) {
  if (!up.recv_paused) return;
  up.recv_paused = false;
  ArmUpstreamRecv(up);
}

void Shard::OnUpstreamRecv(UpstreamConn& up, const io_uring_cqe& cqe) {
  if (!(cqe.flags & IORING_CQE_F_MORE)) {
    up.recv_armed = false;
    --up.inflight;
  }
  Connection* c = up.state == UState::kActive ? OwnerOf(up) : nullptr;
  if (cqe.res > 0) {
    const auto bid =
        static_cast<uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
    char* data = buffers_->Take(bid);
    if (c != nullptr) {
      OnUpstreamData(*c, up, bid, data, static_cast<uint32_t>(cqe.res));
    } else {
      Recycle(bid);
      CloseUpstream(up);  // bytes on an idle connection: not reusable
    }
  } else if (cqe.res == 0) {
    up.eof = true;
    if (c != nullptr) {
      OnUpstreamEof(*c, up);
    } else {
      CloseUpstream(up);  // the server closed an idle connection
    }
  } else if (cqe.res == -ENOBUFS) {
    if (up.state == UState::kActive || up.state == UState::kIdle) {
      up.starved = true;
      starved_.push_back({true, up.slot, up.gen});
    }
  } else if (cqe.res != -ECANCELED) {
    if (c != nullptr) {
      UpstreamFailed(*c, up, ops::UpstreamErrorKind::kReset);
    } else {
      CloseUpstream(up);
    }
  }
  if (up.state == UState::kClosing) {
    MaybeFreeUpstream(up);
    return;
  }
  if (!up.recv_armed) {
    ArmUpstreamRecv(up);
    if (up.splice_src) {  // the recv ended: the splice may read now
      if (Connection* owner = OwnerOf(up)) {
        PumpSplice(*owner, up, SpliceDir::kResponse);
      }
    }
  }
}

void Shard::FlushUpstream(UpstreamConn& up) {
  if (up.state != UState::kActive || up.out.empty() || up.out.in_flight()) {
    return;
  }
  io_uring_sqe* sqe = ring_->GetSqe();
  up.out.PrepareSend(sqe, up.fd);
  io_uring_sqe_set_data64(sqe, Cookie(OpKind::kUpstreamSend, up.slot, up.gen));
  ++up.inflight;
}

void Shard::OnUpstreamSend(UpstreamConn& up, const io_uring_cqe& cqe) {
  --up.inflight;
  up.out.Complete(cqe.res, [this](uint16_t bid) { Recycle(bid); });
  if (up.state == UState::kClosing) {
    MaybeFreeUpstream(up);
    return;
  }
  Connection* c = OwnerOf(up);
  if (c == nullptr) {
    CloseUpstream(up);
    return;
  }
  if (cqe.res < 0) {
    UpstreamFailed(*c, up, ops::UpstreamErrorKind::kReset);
    return;
  }
  ArmRequestTimer(*c, up);
  UpdateClientReading(*c);
  FlushUpstream(up);
  if (c->ex->req_splice.active()) {
    PumpSplice(*c, up, SpliceDir::kRequest);  // may close the client
    return;
  }
  if (c->ex->shutdown_upstream) MaybeShutdownUpstream(*c, up);
}

void Shard::ArmRequestTimer(Connection& c, UpstreamConn& up) {
  const Exchange& ex = *c.ex;
  const SpliceStream& spliced = ex.req_splice;
  const bool all_sent = up.out.empty() && spliced.in_pipe == 0;
  const bool body_to_come =
      ex.request_phase == Exchange::RequestPhase::kBody &&
      !(spliced.active() &&
        ex.request.body_bytes() >= ex.request.head().content_length);
  if (all_sent && body_to_come) {
    timers_.Disarm(&up.timer);
    timers_.Arm(&c.timer, kTimerClientIdle, now_ms_);
  } else {
    timers_.Arm(&up.timer, kTimerUpstreamResponse, now_ms_);
  }
}

void Shard::OnUpstreamTimer(UpstreamConn& up) {
  if (up.state == UState::kIdle) {
    UpstreamPool& pool = *up.pool;
    if (up.timer_class_fired == kTimerUpstreamSurplus &&
        pool.idle.size() <= pool.upstream->keepalive) {
      timers_.Arm(&up.timer, kTimerUpstreamIdle, now_ms_);  // not surplus now
      return;
    }
    CloseUpstream(up);
    return;
  }
  Connection* c = OwnerOf(up);
  if (c == nullptr) {
    CloseUpstream(up);
    return;
  }
  UpstreamFailed(*c, up,
                 up.state == UState::kConnecting
                     ? ops::UpstreamErrorKind::kConnectTimeout
                     : ops::UpstreamErrorKind::kTimeout);
}

void Shard::UpstreamFailed(Connection& c, UpstreamConn& up,
                           ops::UpstreamErrorKind kind) {
  Exchange& ex = *c.ex;
  if (config_.metrics != nullptr) {
    config_.metrics->OnUpstreamError(*ex.snapshot->snapshot, ex.upstream_id,
                                     kind);
  }
  const bool reused = up.requests > 0;
  ex.has_upstream = false;
  CloseUpstream(up);
  using Kind = ops::UpstreamErrorKind;
  // Retry only when the request can be sent again whole and nothing of a
  // response came back: a reused connection once on a fresh one (the
  // server may have closed it just as we sent), a refused connect on the
  // next server.
  const bool nothing_back =
      ex.response_phase == Exchange::ResponsePhase::kHead && ex.resp_end == 0 &&
      !ex.response_started;
  if (nothing_back && !ex.body_streamed && !draining_) {
    if (kind == Kind::kReset && reused && !ex.retried) {
      ex.retried = true;
      BindUpstream(c, /*fresh=*/true);
      return;
    }
    const size_t servers =
        ex.snapshot->pools[ex.upstream_id].upstream->servers.size();
    if (kind == Kind::kRefused && ++ex.connect_tries < servers) {
      BindUpstream(c, /*fresh=*/true);
      return;
    }
  }
  ReleaseSplices(c);
  if (ex.response_started) {
    CloseClient(c);  // part of a response is out: only closing tells
    return;
  }
  const int status =
      (kind == Kind::kTimeout || kind == Kind::kConnectTimeout) ? 504 : 502;
  AnswerStatus(c, status, ex.request_phase != Exchange::RequestPhase::kDone);
}

void Shard::ReleaseUpstream(Connection& c, UpstreamConn& up, bool reusable) {
  c.ex->has_upstream = false;
  ++up.requests;
  UpstreamPool& pool = *up.pool;
  if (!reusable || pool.retired || draining_ || pool.upstream->keepalive == 0) {
    CloseUpstream(up);
    return;
  }
  up.state = UState::kIdle;
  up.client_slot = 0;
  up.client_gen = 0;
  pool.idle.push_back(up.slot);
  timers_.Arm(&up.timer,
              pool.idle.size() > pool.upstream->keepalive
                  ? kTimerUpstreamSurplus
                  : kTimerUpstreamIdle,
              now_ms_);
  // Keep a recv armed while idle: FIN, RST or stray bytes close it.
  ResumeUpstreamRecv(up);
  ArmUpstreamRecv(up);
}

void Shard::CloseUpstream(UpstreamConn& up) {
  if (up.state == UState::kFree || up.state == UState::kClosing) return;
  if (up.state == UState::kIdle && up.pool != nullptr) {
    auto& idle = up.pool->idle;
    idle.erase(std::remove(idle.begin(), idle.end(), up.slot), idle.end());
  }
  timers_.Disarm(&up.timer);
  up.state = UState::kClosing;
  up.out.DropQueued([this](uint16_t bid) { Recycle(bid); });
  if (up.inflight > 0) {  // by user_data, not by fd (see CloseClient)
    for (OpKind kind : {OpKind::kUpstreamConnect, OpKind::kUpstreamRecv,
                        OpKind::kUpstreamSend, OpKind::kUpstreamPollIn,
                        OpKind::kUpstreamPollOut}) {
      Cancel(Cookie(kind, up.slot, up.gen));
    }
  }
  MaybeFreeUpstream(up);
}

void Shard::MaybeFreeUpstream(UpstreamConn& up) {
  if (up.state != UState::kClosing || up.inflight > 0) return;
  ::close(up.fd);
  up.fd = -1;
  up.out.DropQueued([this](uint16_t bid) { Recycle(bid); });
  up.state = UState::kFree;
  up.starved = false;
  up.pool = nullptr;
  free_upstreams_.push_back(up.slot);
  --upstream_count_;
  if (config_.metrics != nullptr) {
    config_.metrics->SetConnections(ops::ConnectionSide::kUpstream,
                                    upstream_count_);
  }
}

}  // namespace jwtgate
