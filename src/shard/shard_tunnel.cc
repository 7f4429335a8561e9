// WebSocket tunnels: after the upstream's 101 to an authorised upgrade
// request, bytes go both ways unparsed on the copy path (buffers lent to
// the other side's send, with the same backpressure as bodies). An end on
// one side is passed on as a FIN; the upstream's end closes the client
// after the bytes before it are out. Idle for upstream_timeout: closed.
// (Zero-copy splicing of tunnels plugs in here.)
#include <sys/socket.h>

#include "shard/shard.h"

namespace jwtgate {

void Shard::StartTunnel(Connection& c, UpstreamConn& up) {
  Exchange& ex = *c.ex;
  ex.status = 101;
  ex.tunnel = true;
  std::string* s = ex.to_client.NewString();
  http::ClientHeadParams params;
  params.tunnel = true;
  http::WriteClientResponseHead(ex.resp.get(), ex.response.head(), params, s);
  // Whatever the upstream sent after its 101 belongs to the new protocol.
  s->append(ex.resp.get() + ex.resp_pos, ex.resp_end - ex.resp_pos);
  ex.resp_pos = ex.resp_end;
  if (!ex.to_client.PushOwned(s)) {
    CloseClient(c);
    return;
  }
  ex.response_started = true;
  ex.response_phase = Exchange::ResponsePhase::kBody;
  FlushClient(c);
  // And what the client sent after its request head, too.
  if (ex.parse_pos < ex.in_end) {
    std::string* u = up.out.NewString();
    u->assign(ex.in.get() + ex.parse_pos, ex.in_end - ex.parse_pos);
    ex.parse_pos = ex.in_end;
    if (!up.out.PushOwned(u)) {
      CloseClient(c);
      return;
    }
    FlushUpstream(up);
  }
  UpdateClientReading(c);
}

void Shard::TunnelClientData(Connection& c, uint16_t bid, const char* data,
                             uint32_t n) {
  Exchange& ex = *c.ex;
  UpstreamConn* up = ex.has_upstream
                         ? FindUpstream(ex.upstream_slot, ex.upstream_gen)
                         : nullptr;
  if (up == nullptr || ex.shutdown_upstream) {
    Recycle(bid);
    return;
  }
  if (!up->out.PushBuffer(bid, data, n)) {
    Recycle(bid);
    CloseClient(c);
    return;
  }
  timers_.Arm(&up->timer, kTimerUpstreamResponse, now_ms_);
  FlushUpstream(*up);
  UpdateClientReading(c);
}

void Shard::TunnelUpstreamData(Connection& c, UpstreamConn& up, uint16_t bid,
                               const char* data, uint32_t n) {
  Exchange& ex = *c.ex;
  if (!ex.to_client.PushBuffer(bid, data, n)) {
    Recycle(bid);
    CloseClient(c);
    return;
  }
  FlushClient(c);
  if (ex.to_client.buffers() >= options_.max_lent_buffers) {
    PauseUpstreamRecv(up);
  }
}

void Shard::TunnelClientEof(Connection& c) {
  Exchange& ex = *c.ex;
  ex.shutdown_upstream = true;
  if (UpstreamConn* up = ex.has_upstream
                             ? FindUpstream(ex.upstream_slot, ex.upstream_gen)
                             : nullptr) {
    MaybeShutdownUpstream(c, *up);
  } else {
    CloseClient(c);
  }
}

void Shard::MaybeShutdownUpstream(Connection& c, UpstreamConn& up) {
  Exchange& ex = *c.ex;
  if (ex.upstream_shut || !up.out.empty()) return;
  ::shutdown(up.fd, SHUT_WR);
  ex.upstream_shut = true;
}

void Shard::TunnelUpstreamEof(Connection& c, UpstreamConn& up) {
  Exchange& ex = *c.ex;
  ex.response_phase = Exchange::ResponsePhase::kDone;
  ex.close_after = true;
  ReleaseUpstream(c, up, /*reusable=*/false);
  timers_.Arm(&c.timer, kTimerClientIdle, now_ms_);
  if (ex.to_client.empty()) FinishExchange(c);
}

}  // namespace jwtgate
