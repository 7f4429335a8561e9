// Zero-copy bodies: a request or response body with a Content-Length of at
// least `splice_threshold` bytes still to come moves socket -> pipe ->
// socket by splice(2), run on the shard thread when io_uring says a socket
// is ready (HAProxy's model, notes/io_uring-design.md §4: io_uring's own
// splice op runs on io-wq workers and a short splice breaks a link chain).
//
// A body switches from the copy path to splicing once: the source's
// multishot recv is cancelled (bytes it still delivers go the copy way and
// are counted by the parser), and splicing starts only when that recv has
// ended and everything queued for the destination has been sent, so bytes
// never overtake each other. The parser is told about spliced bytes with
// http::SkipBody, so message ends and keep-alive work as on the copy path.
#include <fcntl.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>

#include "jwtgate/common/log.h"
#include "jwtgate/http/body_skip.h"
#include "shard/shard.h"

namespace jwtgate {
namespace {

// Bytes one pump may move before yielding to the rest of the loop (a poll
// that fires at once brings it back), so a fat body cannot starve others.
constexpr uint64_t kPumpBudgetBytes = 1024 * 1024;

}  // namespace

using UState = UpstreamConn::State;

bool Shard::MaybeStartResponseSplice(Connection& c, UpstreamConn& up) {
  Exchange& ex = *c.ex;
  const http::ResponseHead& head = ex.response.head();
  if (options_.splice_threshold == 0 || ex.dechunk || ex.tunnel ||
      ex.head_request || head.chunked || !head.has_content_length ||
      head.content_length < ex.response.body_bytes() ||
      head.content_length - ex.response.body_bytes() <
          options_.splice_threshold) {
    return false;
  }
  ex.resp_splice.pipe = pipes_->Get();
  if (!ex.resp_splice.active()) return false;  // pool empty: copy
  up.splice_src = true;
  up.recv_oneshot = true;  // see ShardOptions::multishot_recv
  if (up.recv_armed) Cancel(Cookie(OpKind::kUpstreamRecv, up.slot, up.gen));
  PumpSplice(c, up, SpliceDir::kResponse);
  return true;
}

bool Shard::MaybeStartRequestSplice(Connection& c, UpstreamConn& up) {
  Exchange& ex = *c.ex;
  const http::RequestHead& head = ex.request.head();
  if (options_.splice_threshold == 0 ||
      ex.request_phase != Exchange::RequestPhase::kBody || ex.websocket ||
      head.chunked || !head.has_content_length ||
      head.content_length < ex.request.body_bytes() ||
      head.content_length - ex.request.body_bytes() <
          options_.splice_threshold) {
    return false;
  }
  ex.req_splice.pipe = pipes_->Get();
  if (!ex.req_splice.active()) return false;
  c.splice_src = true;
  c.large_body = true;
  if (c.recv_armed) Cancel(Cookie(OpKind::kClientRecv, c.slot, c.gen));
  PumpSplice(c, up, SpliceDir::kRequest);
  return true;
}

void Shard::PumpSpliceOf(Connection& c, SpliceDir dir) {
  if (c.ex == nullptr || !c.ex->has_upstream) return;
  UpstreamConn* up = FindUpstream(c.ex->upstream_slot, c.ex->upstream_gen);
  if (up != nullptr) PumpSplice(c, *up, dir);
}

void Shard::PumpSplice(Connection& c, UpstreamConn& up, SpliceDir dir) {
  Exchange& ex = *c.ex;
  const bool request = dir == SpliceDir::kRequest;
  SpliceStream& s = request ? ex.req_splice : ex.resp_splice;
  if (!s.active() || c.state == Connection::State::kClosing ||
      up.state != UState::kActive) {
    return;
  }
  // The source may be read once its recv has ended; the destination
  // written once what was queued for it has gone (order of bytes).
  const bool src_ready =
      request ? !c.recv_armed && !c.poll_in : !up.recv_armed && !up.poll_in;
  const bool dst_ready =
      request
          ? up.out.empty() && !up.out.in_flight() && !up.poll_out
          : ex.to_client.empty() && !ex.to_client.in_flight() && !c.poll_out;
  if (!src_ready && !dst_ready) return;
  const int src = request ? c.fd : up.fd;
  const int dst = request ? up.fd : c.fd;
  uint64_t moved = 0;
  for (;;) {
    const uint64_t remaining =
        request ? ex.request.head().content_length - ex.request.body_bytes()
                : ex.response.head().content_length - ex.response.body_bytes();
    if (dst_ready && s.in_pipe > 0) {
      const unsigned more = remaining > 0 ? SPLICE_F_MORE : 0;
      const ssize_t w =
          splice(s.pipe->read_end.get(), nullptr, dst, nullptr, s.in_pipe,
                 SPLICE_F_MOVE | SPLICE_F_NONBLOCK | more);
      if (w > 0) {
        s.in_pipe -= static_cast<uint32_t>(w);
        moved += static_cast<uint64_t>(w);
        OnSpliced(c, up, dir, static_cast<uint64_t>(w));
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && errno == EAGAIN) {
        ArmSplicePoll(
            c, up, request ? OpKind::kUpstreamPollOut : OpKind::kClientPollOut);
        return;
      }
      SpliceFailed(c, up, dir, /*reading=*/false, w < 0 ? errno : EPIPE);
      return;
    }
    if (remaining == 0) {
      if (s.in_pipe == 0) FinishSplice(c, up, dir);
      return;  // else waiting for the destination (its send completes)
    }
    if (!src_ready) return;
    if (moved >= kPumpBudgetBytes) {
      ArmSplicePoll(c, up,
                    request ? OpKind::kClientPollIn : OpKind::kUpstreamPollIn);
      return;
    }
    const uint32_t room =
        s.pipe->capacity - std::min(s.in_pipe, s.pipe->capacity);
    if (room == 0) return;  // full and the destination is not ready
    const size_t want =
        static_cast<size_t>(std::min<uint64_t>(remaining, room));
    const ssize_t r = splice(src, nullptr, s.pipe->write_end.get(), nullptr,
                             want, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (r > 0) {
      s.in_pipe += static_cast<uint32_t>(r);
      uint64_t skipped = 0;
      if (request) {
        http::SkipBody(ex.request, static_cast<uint64_t>(r), &skipped);
        timers_.Disarm(&c.timer);  // bytes for the upstream (OnClientBody)
        ArmRequestTimer(c, up);
      } else {
        http::SkipBody(ex.response, static_cast<uint64_t>(r), &skipped);
        timers_.Arm(&up.timer, kTimerUpstreamResponse, now_ms_);
      }
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) {
      // The pipe was not full (room > 0 was asked for), so the source is
      // empty; with bytes in the pipe, write them first.
      if (s.in_pipe > 0 && dst_ready) continue;
      if (request) ArmRequestTimer(c, up);
      if (s.in_pipe == 0 || !dst_ready) {
        ArmSplicePoll(
            c, up, request ? OpKind::kClientPollIn : OpKind::kUpstreamPollIn);
      }
      return;
    }
    SpliceFailed(c, up, dir, /*reading=*/true, r < 0 ? errno : 0);
    return;
  }
}

void Shard::OnSpliced(Connection& c, UpstreamConn& up, SpliceDir dir,
                      uint64_t n) {
  Exchange& ex = *c.ex;
  if (config_.metrics != nullptr) config_.metrics->OnBodyBytes(0, n);
  if (dir == SpliceDir::kRequest) {
    ex.body_streamed = true;  // the upstream has part of the body
    ArmRequestTimer(c, up);
  } else {
    timers_.Arm(&up.timer, kTimerUpstreamResponse, now_ms_);
    ex.bytes_out += n;
    if (c.timer.armed()) timers_.Arm(&c.timer, c.timer.timer_class, now_ms_);
  }
}

void Shard::ArmSplicePoll(Connection& c, UpstreamConn& up, OpKind kind) {
  const bool on_client =
      kind == OpKind::kClientPollIn || kind == OpKind::kClientPollOut;
  const bool out =
      kind == OpKind::kClientPollOut || kind == OpKind::kUpstreamPollOut;
  bool& armed = on_client ? (out ? c.poll_out : c.poll_in)
                          : (out ? up.poll_out : up.poll_in);
  if (armed) return;
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_poll_add(sqe, on_client ? c.fd : up.fd,
                         out ? POLLOUT : (POLLIN | POLLRDHUP));
  io_uring_sqe_set_data64(sqe, on_client ? Cookie(kind, c.slot, c.gen)
                                         : Cookie(kind, up.slot, up.gen));
  armed = true;
  ++(on_client ? c.inflight : up.inflight);
}

void Shard::OnClientPoll(Connection& c, bool out) {
  --c.inflight;
  (out ? c.poll_out : c.poll_in) = false;
  if (c.state == Connection::State::kClosing) {
    MaybeFreeClient(c);
    return;
  }
  PumpSpliceOf(c, out ? SpliceDir::kResponse : SpliceDir::kRequest);
}

void Shard::OnUpstreamPoll(UpstreamConn& up, bool out) {
  --up.inflight;
  (out ? up.poll_out : up.poll_in) = false;
  if (up.state == UState::kClosing) {
    MaybeFreeUpstream(up);
    return;
  }
  Connection* c = OwnerOf(up);
  if (c != nullptr) {
    PumpSplice(*c, up, out ? SpliceDir::kRequest : SpliceDir::kResponse);
  }
}

void Shard::FinishSplice(Connection& c, UpstreamConn& up, SpliceDir dir) {
  Exchange& ex = *c.ex;
  EndSplice(c, dir);
  if (dir == SpliceDir::kRequest) {
    ex.request_phase = Exchange::RequestPhase::kDone;
    UpdateClientReading(c);
    ArmClientRecv(c);  // the next pipelined request, or the client's FIN
    return;
  }
  OnResponseComplete(c, up);
}

void Shard::SpliceFailed(Connection& c, UpstreamConn& up, SpliceDir dir,
                         bool reading, int error) {
  if (LogEnabled(LogLevel::kDebug)) {
    Logf(LogLevel::kDebug, "shard %d: splice %s %s: %s", config_.index,
         dir == SpliceDir::kRequest ? "request" : "response",
         reading ? "read" : "write",
         error == 0 ? "end of stream" : std::strerror(error));
  }
  if (dir == SpliceDir::kRequest && !reading) {
    // The upstream went away mid-body: 502 if it said nothing yet.
    ReleaseSplices(c);
    UpstreamFailed(c, up, ops::UpstreamErrorKind::kReset);
    return;
  }
  // The client went away, or the upstream ended a response early:
  // closing is all that can be said.
  CloseClient(c);
}

void Shard::EndSplice(Connection& c, SpliceDir dir) {
  Exchange& ex = *c.ex;
  SpliceStream& s = dir == SpliceDir::kRequest ? ex.req_splice : ex.resp_splice;
  if (!s.active()) return;
  pipes_->Put(std::move(s.pipe), /*empty=*/s.in_pipe == 0);
  s.in_pipe = 0;
  UpstreamConn* up = ex.has_upstream
                         ? FindUpstream(ex.upstream_slot, ex.upstream_gen)
                         : nullptr;
  if (dir == SpliceDir::kRequest) {
    c.splice_src = false;
    if (c.poll_in) Cancel(Cookie(OpKind::kClientPollIn, c.slot, c.gen));
    if (up != nullptr && up->poll_out) {
      Cancel(Cookie(OpKind::kUpstreamPollOut, up->slot, up->gen));
    }
  } else {
    if (up != nullptr) {
      up->splice_src = false;
      if (up->poll_in)
        Cancel(Cookie(OpKind::kUpstreamPollIn, up->slot, up->gen));
    }
    if (c.poll_out) {
      Cancel(Cookie(OpKind::kClientPollOut, c.slot, c.gen));
    }
  }
}

void Shard::ReleaseSplices(Connection& c) {
  if (c.ex == nullptr) return;
  EndSplice(c, SpliceDir::kRequest);
  EndSplice(c, SpliceDir::kResponse);
}

}  // namespace jwtgate
