// The client connection state machine (see connection.h): receive, head
// parsing, the gateway's own answers, end of exchange, keep-alive and close.
#include <llhttp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "jwtgate/common/log.h"
#include "jwtgate/io/user_data.h"
#include "shard/shard.h"

namespace jwtgate {

using State = Connection::State;

Connection* Shard::AllocClient() {
  if (client_count_ >= options_.max_client_connections) return nullptr;
  Connection* c;
  if (!free_clients_.empty()) {
    c = &clients_[free_clients_.back()];
    free_clients_.pop_back();
  } else {
    if (clients_.size() > io::UserData::kMaxSlot) return nullptr;
    clients_.emplace_back();
    c = &clients_.back();
    c->slot = static_cast<uint32_t>(clients_.size() - 1);
  }
  ++c->gen;
  c->fd = -1;
  c->state = State::kIdle;
  c->inflight = 0;
  c->recv_armed = c->recv_paused = c->starved = c->peer_eof = false;
  c->splice_src = c->poll_in = c->poll_out = c->large_body = false;
  c->recv_oneshot = true;
  c->peer_ip_len = 0;
  c->ex = nullptr;
  c->peer = SocketAddress{};
  c->timer = io::TimerNode{};
  c->timer.cookie = Cookie(OpKind::kClientRecv, c->slot, c->gen);
  ++client_count_;
  if (config_.metrics != nullptr) {
    config_.metrics->SetConnections(ops::ConnectionSide::kClient,
                                    client_count_);
  }
  return c;
}

void Shard::ArmClientRecv(Connection& c) {
  if (c.recv_armed || c.recv_paused || c.peer_eof || c.starved ||
      c.splice_src || c.state == State::kClosing || c.state == State::kFree) {
    return;
  }
  io_uring_sqe* sqe = ring_->GetSqe();
  if (options_.multishot_recv && !c.recv_oneshot) {
    io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
  } else {
    io_uring_prep_recv(sqe, c.fd, nullptr, 0, 0);
  }
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = buffers_->group_id();
  io_uring_sqe_set_data64(sqe, Cookie(OpKind::kClientRecv, c.slot, c.gen));
  c.recv_armed = true;
  ++c.inflight;
}

void Shard::OnClientRecv(Connection& c, const io_uring_cqe& cqe) {
  if (!(cqe.flags & IORING_CQE_F_MORE)) {
    c.recv_armed = false;
    --c.inflight;
  }
  if (cqe.res > 0) {
    const auto bid =
        static_cast<uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
    OnClientData(c, bid, buffers_->Take(bid), static_cast<uint32_t>(cqe.res));
  } else if (cqe.res == 0) {
    OnClientEof(c);
  } else if (cqe.res == -ENOBUFS) {
    if (c.state != State::kClosing) {
      c.starved = true;
      starved_.push_back({false, c.slot, c.gen});
    }
  } else if (cqe.res != -ECANCELED) {
    CloseClient(c);  // reset by peer, or another error: the client is gone
  }
  if (c.state == State::kClosing) {
    MaybeFreeClient(c);
    return;
  }
  if (!c.recv_armed) {
    ArmClientRecv(c);
    if (c.splice_src) PumpSpliceOf(c, SpliceDir::kRequest);  // recv ended
  }
}

void Shard::OnClientData(Connection& c, uint16_t bid, const char* data,
                         uint32_t n) {
  switch (c.state) {
    case State::kIdle:
      c.ex = exchanges_->Get();
      StartRequest(c);
      [[fallthrough]];
    case State::kReadingHead: {
      const bool fits = AppendInput(c, data, n);
      Recycle(bid);  // head bytes are copied: never hold a buffer for them
      if (!fits) {
        AnswerStatus(c, 431, /*close=*/true);
        return;
      }
      ParseHead(c);
      return;
    }
    case State::kProxying:
      if (c.ex->tunnel) {
        TunnelClientData(c, bid, data, n);
        return;
      }
      if (c.ex->request_phase == Exchange::RequestPhase::kBody) {
        ForwardRequestBody(c, bid, data, n);
        return;
      }
      [[fallthrough]];
    case State::kAnswering: {
      if (c.ex->close_after) {  // closing after this exchange: discard
        Recycle(bid);
        return;
      }
      const bool fits = AppendInput(c, data, n);  // pipelined request
      Recycle(bid);
      if (!fits) {
        CloseClient(c);
        return;
      }
      UpdateClientReading(c);
      return;
    }
    default:
      Recycle(bid);  // lingering or closing: input is discarded
      return;
  }
}

bool Shard::AppendInput(Connection& c, const char* data, uint32_t n) {
  Exchange& ex = *c.ex;
  // Outside head parsing the consumed prefix can go (spans are not used).
  if (c.state != State::kReadingHead && ex.parse_pos > 0 &&
      ex.in_end + n > ex.in_cap) {
    std::memmove(ex.in.get(), ex.in.get() + ex.parse_pos,
                 ex.in_end - ex.parse_pos);
    ex.in_end -= ex.parse_pos;
    ex.parse_pos = 0;
  }
  if (!ex.ReserveInput(n)) return false;
  std::memcpy(ex.in.get() + ex.in_end, data, n);
  ex.in_end += n;
  return true;
}

void Shard::UpdateClientReading(Connection& c) {
  if (c.state == State::kClosing || c.state == State::kFree) return;
  bool pause = false;
  if (c.ex != nullptr && c.state != State::kLingering) {
    const Exchange& ex = *c.ex;
    // Pipelined bytes wait in the arena; stop reading before it is full.
    if (c.state != State::kReadingHead &&
        ex.in_end + 2 * options_.recv_buffer_size > ex.in_max) {
      pause = true;
    }
    if (ex.has_upstream) {
      UpstreamConn* up = FindUpstream(ex.upstream_slot, ex.upstream_gen);
      if (up != nullptr && up->out.buffers() >= options_.max_lent_buffers) {
        pause = true;
      }
    }
  }
  if (pause && !c.recv_paused) {
    c.recv_paused = true;
    if (c.recv_armed) Cancel(Cookie(OpKind::kClientRecv, c.slot, c.gen));
  } else if (!pause && c.recv_paused) {
    c.recv_paused = false;
    ArmClientRecv(c);
  }
}

void Shard::StartRequest(Connection& c) {
  Exchange& ex = *c.ex;
  if (ex.parse_pos > 0) {
    std::memmove(ex.in.get(), ex.in.get() + ex.parse_pos,
                 ex.in_end - ex.parse_pos);
    ex.in_end -= ex.parse_pos;
    ex.parse_pos = 0;
  }
  ex.ResetForRequest();
  ex.request.Start(ex.in.get());
  ex.start_ns = now_ns_;
  ex.start_unix_ms = unix_ms_;
  c.state = State::kReadingHead;
  // The head deadline runs from the request's first byte and is not
  // extended by later bytes (slowloris).
  timers_.Arm(&c.timer, kTimerClientHeader, now_ms_);
}

void Shard::ParseHead(Connection& c) {
  Exchange& ex = *c.ex;
  size_t used = 0;
  const auto r = ex.request.FeedHead(ex.in.get() + ex.parse_pos,
                                     ex.in_end - ex.parse_pos, &used);
  ex.parse_pos += static_cast<uint32_t>(used);
  switch (r) {
    case http::RequestParser::Result::kNeedMore:
      if (c.peer_eof) CloseClient(c);  // this head can never complete
      return;
    case http::RequestParser::Result::kHeadComplete:
      OnHeadComplete(c);
      return;
    default:
      if (LogEnabled(LogLevel::kDebug)) {
        Logf(LogLevel::kDebug, "shard %d: refused request from %s: %s (%s)",
             config_.index, std::string(c.peer_ip, c.peer_ip_len),
             std::string(http::RequestErrorName(ex.request.error())),
             ex.request.error_reason());
      }
      AnswerStatus(c, http::StatusFor(ex.request.error()), /*close=*/true);
      return;
  }
}

void Shard::Answer(Connection& c, const http::Answer& answer) {
  Exchange& ex = *c.ex;
  ex.status = answer.status;
  // While draining, this is the last answer unless a pipelined request is
  // already waiting (it then gets the 503 that closes).
  if (answer.close || (draining_ && ex.parse_pos >= ex.in_end)) {
    ex.close_after = true;
  }
  http::Answer a = answer;
  a.close = ex.close_after;
  a.client_http10 = ex.client_http10;
  a.head_request = ex.head_request;
  std::string* out = ex.to_client.NewString();
  http::AppendAnswer(a, out);
  if (!ex.to_client.PushOwned(out)) {
    CloseClient(c);
    return;
  }
  ex.response_phase = Exchange::ResponsePhase::kDone;
  ex.response_started = true;
  c.state = State::kAnswering;
  timers_.Arm(&c.timer, kTimerClientIdle, now_ms_);  // send deadline
  FlushClient(c);
}

void Shard::AnswerStatus(Connection& c, int status, bool close) {
  http::Answer a;
  a.status = status;
  a.close = close;
  Answer(c, a);
}

void Shard::FlushClient(Connection& c) {
  Exchange& ex = *c.ex;
  if (ex.to_client.empty() || ex.to_client.in_flight() ||
      c.state == State::kClosing) {
    return;
  }
  io_uring_sqe* sqe = ring_->GetSqe();
  ex.to_client.PrepareSend(sqe, c.fd);
  io_uring_sqe_set_data64(sqe, Cookie(OpKind::kClientSend, c.slot, c.gen));
  ++c.inflight;
}

void Shard::OnClientSend(Connection& c, const io_uring_cqe& cqe) {
  --c.inflight;
  Exchange* ex = c.ex;
  if (ex == nullptr) {
    MaybeFreeClient(c);
    return;
  }
  const uint32_t sent =
      ex->to_client.Complete(cqe.res, [this](uint16_t bid) { Recycle(bid); });
  if (c.state == State::kClosing) {
    MaybeFreeClient(c);
    return;
  }
  if (cqe.res < 0) {
    CloseClient(c);  // the client is gone
    return;
  }
  ex->bytes_out += sent;
  if (c.timer.armed()) timers_.Arm(&c.timer, c.timer.timer_class, now_ms_);
  if (ex->has_upstream) {
    UpstreamConn* up = FindUpstream(ex->upstream_slot, ex->upstream_gen);
    if (up != nullptr) {
      if (up->state == UpstreamConn::State::kActive) {
        timers_.Arm(&up->timer, kTimerUpstreamResponse, now_ms_);
      }
      if (up->recv_paused &&
          ex->to_client.buffers() <= options_.max_lent_buffers / 2) {
        ResumeUpstreamRecv(*up);
      }
    }
  }
  if (!ex->to_client.empty()) {
    FlushClient(c);
    return;
  }
  if (ex->resp_splice.active()) {
    PumpSpliceOf(c, SpliceDir::kResponse);
    return;
  }
  if (ex->response_phase == Exchange::ResponsePhase::kDone) FinishExchange(c);
}

void Shard::FinishExchange(Connection& c) {
  Exchange& ex = *c.ex;
  ReleaseSplices(c);
  c.recv_oneshot = c.large_body;
  RecordRequest(c);
  timers_.Disarm(&c.timer);
  if (ex.close_after) {
    c.peer_eof ? CloseClient(c) : LingerClient(c);
    return;
  }
  // A pipelined request is waiting: answer it, even after the client's FIN
  // (a client may send its requests and half-close).
  if (ex.parse_pos < ex.in_end) {
    StartRequest(c);
    UpdateClientReading(c);
    ParseHead(c);
    return;
  }
  if (c.peer_eof) {
    CloseClient(c);
    return;
  }
  if (draining_) {
    LingerClient(c);
    return;
  }
  exchanges_->Put(c.ex);
  c.ex = nullptr;
  c.state = State::kIdle;
  timers_.Arm(&c.timer, kTimerClientIdle, now_ms_);
  c.recv_paused = false;
  ArmClientRecv(c);
}

void Shard::RecordRequest(Connection& c) {
  Exchange& ex = *c.ex;
  if (ex.status == 0) return;
  const http::RequestHead& head = ex.request.head();
  const uint64_t bytes_in = head.head_bytes + ex.request.body_bytes();
  const int64_t duration_ns = now_ns_ - ex.start_ns;
  const SnapshotState* state = ex.snapshot != nullptr ? ex.snapshot : current_;
  const Snapshot& snap = *state->snapshot;
  if (config_.metrics != nullptr) {
    config_.metrics->OnRequest(snap, ex.route_id, ex.status,
                               static_cast<uint64_t>(duration_ns), bytes_in,
                               ex.bytes_out);
  }
  if (config_.access_log != nullptr && config_.access_log->enabled()) {
    ops::AccessRecord r;
    r.unix_ms = ex.start_unix_ms;
    r.client = c.peer.len > 0 ? c.peer.addr() : nullptr;
    if (head.head_bytes > 0) {
      r.method = llhttp_method_name(static_cast<llhttp_method_t>(head.method));
    }
    std::string_view path = ex.target;
    r.path = path.substr(0, path.find('?'));
    if (ex.route_id >= 0) r.route = snap.routes()[ex.route_id].name;
    r.status = ex.status;
    r.bytes_in = bytes_in;
    r.bytes_out = ex.bytes_out;
    r.upstream = ex.upstream_addr;
    r.upstream_ms = ex.upstream_ns >= 0 ? ex.upstream_ns / 1'000'000 : -1;
    r.total_ms = duration_ns / 1'000'000;
    r.sub = ex.sub;
    r.auth_checked = ex.auth_checked;
    r.auth_result = ex.auth_result;
    config_.access_log->Append(r);
  }
  if (ex.snapshot != nullptr) {
    UnrefSnapshot(ex.snapshot);
    ex.snapshot = nullptr;
  }
  ex.status = 0;
}

void Shard::OnClientEof(Connection& c) {
  c.peer_eof = true;
  switch (c.state) {
    case State::kProxying:
      if (c.ex->tunnel) {
        TunnelClientEof(c);
        return;
      }
      if (c.ex->request_phase != Exchange::RequestPhase::kDone) {
        CloseClient(c);  // gone mid-request: abandon the exchange
      }
      // Half-close: this and any pipelined request are answered, then the
      // connection closes (FinishExchange).
      return;
    case State::kAnswering:
      return;
    default:
      CloseClient(c);
      return;
  }
}

void Shard::OnClientTimer(Connection& c) {
  if (c.state == State::kReadingHead && c.ex != nullptr && c.ex->in_end > 0) {
    AnswerStatus(c, 408, /*close=*/true);
    return;
  }
  if (c.state == State::kProxying && c.ex != nullptr &&
      c.ex->request_phase == Exchange::RequestPhase::kBody) {
    FailRequestBody(c, 408);  // the body stopped for client_idle_timeout
    return;
  }
  CloseClient(c);
}

void Shard::LingerClient(Connection& c) {
  // Our answer is complete: send FIN and keep reading (discarding) until
  // the client closes, so unread input does not turn into a reset that
  // destroys the answer in flight.
  ::shutdown(c.fd, SHUT_WR);
  c.state = State::kLingering;
  timers_.Arm(&c.timer, kTimerLinger, now_ms_);
  c.recv_paused = false;
  ArmClientRecv(c);
}

void Shard::CloseClient(Connection& c) {
  if (c.state == State::kFree || c.state == State::kClosing) return;
  if (Exchange* ex = c.ex) {
    ReleaseSplices(c);
    if (ex->has_upstream) {
      ex->has_upstream = false;
      if (UpstreamConn* up =
              FindUpstream(ex->upstream_slot, ex->upstream_gen)) {
        CloseUpstream(*up);
      }
    }
    if (ex->status == 0 && ex->request.head().head_bytes > 0 &&
        ex->snapshot != nullptr) {
      ex->status = 499;  // client closed before the answer (nginx's code)
    }
    RecordRequest(c);
    if (ex->snapshot != nullptr) {
      UnrefSnapshot(ex->snapshot);
      ex->snapshot = nullptr;
    }
    ex->to_client.DropQueued([this](uint16_t bid) { Recycle(bid); });
  }
  timers_.Disarm(&c.timer);
  c.state = State::kClosing;
  if (c.inflight > 0) {
    // By user_data: a cancel by fd scans the ring's pending requests, so
    // closing thousands of connections at once stalled the shard.
    for (OpKind kind : {OpKind::kClientRecv, OpKind::kClientSend,
                        OpKind::kClientPollIn, OpKind::kClientPollOut}) {
      Cancel(Cookie(kind, c.slot, c.gen));
    }
  }
  MaybeFreeClient(c);
}

void Shard::MaybeFreeClient(Connection& c) {
  if (c.state != State::kClosing || c.inflight > 0) return;
  ::close(c.fd);
  c.fd = -1;
  if (c.ex != nullptr) {
    c.ex->to_client.DropQueued([this](uint16_t bid) { Recycle(bid); });
    exchanges_->Put(c.ex);
    c.ex = nullptr;
  }
  c.state = State::kFree;
  c.starved = false;
  free_clients_.push_back(c.slot);
  --client_count_;
  if (config_.metrics != nullptr) {
    config_.metrics->SetConnections(ops::ConnectionSide::kClient,
                                    client_count_);
  }
  MaybeResumeAccepting(/*slot_freed=*/true);
}

}  // namespace jwtgate
