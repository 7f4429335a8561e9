// Bodies and responses on the copy path: a received buffer is lent to one
// send on the other socket and recycled when that send completes; heads
// are copied. This file is the one place that decides how body bytes
// move, the seam for zero-copy splicing (and TLS) later.
#include <cstring>

#include "shard/shard.h"

namespace jwtgate {

using RespResult = http::ResponseParser::Result;

void Shard::ForwardRequestBody(Connection& c, uint16_t bid, const char* data,
                               uint32_t n) {
  Exchange& ex = *c.ex;
  UpstreamConn* up = ex.has_upstream
                         ? FindUpstream(ex.upstream_slot, ex.upstream_gen)
                         : nullptr;
  size_t used = 0;
  const auto r = ex.request.FeedBody(data, n, &used);
  if (r == http::RequestParser::Result::kError) {
    Recycle(bid);
    FailRequestBody(c, 400);
    return;
  }
  const uint64_t max_body = ex.snapshot->snapshot->gateway().max_body_bytes;
  if (max_body > 0 && ex.request.body_bytes() > max_body) {
    Recycle(bid);
    FailRequestBody(c, 413);
    return;
  }
  if (used < n &&
      !AppendInput(c, data + used, n - static_cast<uint32_t>(used))) {
    Recycle(bid);  // more pipelined bytes than the arena takes
    CloseClient(c);
    return;
  }
  if (r == http::RequestParser::Result::kMessageComplete) {
    // The whole body came the copy way before a splice could start.
    EndSplice(c, SpliceDir::kRequest);
    ex.request_phase = Exchange::RequestPhase::kDone;
  }
  if (used > 0 && config_.metrics != nullptr) {
    config_.metrics->OnBodyBytes(used, 0);
  }
  if (used == 0 || up == nullptr) {
    Recycle(bid);  // nothing for the upstream (or it already answered)
  } else {
    if (!up->out.PushBuffer(bid, data, static_cast<uint32_t>(used))) {
      Recycle(bid);
      CloseClient(c);
      return;
    }
    ex.body_streamed = true;
    timers_.Disarm(&c.timer);  // the upstream's turn (OnUpstreamSend)
    timers_.Arm(&up->timer, kTimerUpstreamResponse, now_ms_);
    FlushUpstream(*up);
  }
  UpdateClientReading(c);
}

void Shard::FailRequestBody(Connection& c, int status) {
  Exchange& ex = *c.ex;
  ReleaseSplices(c);
  if (ex.has_upstream) {
    ex.has_upstream = false;
    if (UpstreamConn* up = FindUpstream(ex.upstream_slot, ex.upstream_gen)) {
      CloseUpstream(*up);  // it saw part of a request: never reuse
    }
  }
  if (ex.response_started) {
    CloseClient(c);
    return;
  }
  AnswerStatus(c, status, /*close=*/true);
}

void Shard::OnUpstreamData(Connection& c, UpstreamConn& up, uint16_t bid,
                           const char* data, uint32_t n) {
  Exchange& ex = *c.ex;
  timers_.Arm(&up.timer, kTimerUpstreamResponse, now_ms_);
  switch (ex.response_phase) {
    case Exchange::ResponsePhase::kHead: {
      const bool fits = ex.ReserveResponse(n);
      if (fits) {
        std::memcpy(ex.resp.get() + ex.resp_end, data, n);
        ex.resp_end += n;
      }
      Recycle(bid);
      if (!fits) {
        UpstreamFailed(c, up, ops::UpstreamErrorKind::kBadResponse);
        return;
      }
      RelayResponseHead(c, up);
      return;
    }
    case Exchange::ResponsePhase::kBody:
      RelayResponseBody(c, up, bid, data, n);
      return;
    default:
      Recycle(bid);
      ex.upstream_dirty = true;
      return;
  }
}

void Shard::RelayResponseHead(Connection& c, UpstreamConn& up) {
  Exchange& ex = *c.ex;
  for (;;) {
    size_t used = 0;
    const RespResult r = ex.response.FeedHead(ex.resp.get() + ex.resp_pos,
                                              ex.resp_end - ex.resp_pos, &used);
    ex.resp_pos += static_cast<uint32_t>(used);
    if (r == RespResult::kNeedMore) return;
    if (r != RespResult::kHeadComplete) {
      UpstreamFailed(c, up, ops::UpstreamErrorKind::kBadResponse);
      return;
    }
    const http::ResponseHead& head = ex.response.head();
    if (ex.upstream_ns < 0) ex.upstream_ns = now_ns_ - ex.upstream_start_ns;
    if (head.status == 101) {
      if (!ex.websocket) {  // nothing asked to switch protocols
        UpstreamFailed(c, up, ops::UpstreamErrorKind::kBadResponse);
        return;
      }
      StartTunnel(c, up);
      return;
    }
    if (head.informational()) {
      // 100 Continue and friends go to HTTP/1.1 clients as they come
      // (HTTP/1.0 clients must not see them); then the real response.
      if (!ex.client_http10) {
        std::string* s = ex.to_client.NewString();
        http::WriteClientResponseHead(ex.resp.get(), head, {}, s);
        if (!ex.to_client.PushOwned(s)) {
          CloseClient(c);
          return;
        }
        ex.response_started = true;
        FlushClient(c);
      }
      size_t none = 0;
      ex.response.FeedBody(ex.resp.get() + ex.resp_pos, 0, &none);
      std::memmove(ex.resp.get(), ex.resp.get() + ex.resp_pos,
                   ex.resp_end - ex.resp_pos);
      ex.resp_end -= ex.resp_pos;
      ex.resp_pos = 0;
      ex.response.NextMessage(ex.resp.get());
      continue;
    }
    ex.status = head.status;
    if (ex.request_phase != Exchange::RequestPhase::kDone) {
      ex.close_after = true;  // client input is not at a message boundary
    }
    if (draining_ && ex.parse_pos >= ex.in_end) {
      ex.close_after = true;  // last response (a waiting request gets a 503)
    }
    ex.dechunk = ex.client_http10 && head.chunked;
    if (ex.dechunk || ex.response.body_until_eof()) ex.close_after = true;
    std::string* s = ex.to_client.NewString();
    http::ClientHeadParams params;
    params.close = ex.close_after;
    params.client_http10 = ex.client_http10;
    params.dechunk = ex.dechunk;
    http::WriteClientResponseHead(ex.resp.get(), head, params, s);
    ex.response_phase = Exchange::ResponsePhase::kBody;
    // Body bytes that came with the head ride in the same send.
    dechunk_sink_.out = s;
    ex.response.set_body_sink(ex.dechunk ? &dechunk_sink_ : nullptr);
    size_t body = 0;
    const RespResult rb = ex.response.FeedBody(
        ex.resp.get() + ex.resp_pos, ex.resp_end - ex.resp_pos, &body);
    dechunk_sink_.out = nullptr;
    if (!ex.dechunk) s->append(ex.resp.get() + ex.resp_pos, body);
    ex.resp_pos += static_cast<uint32_t>(body);
    if (rb == RespResult::kMessageComplete && ex.resp_pos < ex.resp_end) {
      ex.upstream_dirty = true;  // bytes after the response: not HTTP
    }
    if (!ex.to_client.PushOwned(s)) {
      CloseClient(c);
      return;
    }
    ex.response_started = true;
    if (body > 0 && config_.metrics != nullptr) {
      config_.metrics->OnBodyBytes(body, 0);
    }
    FlushClient(c);
    if (rb == RespResult::kError) {
      CloseClient(c);
    } else if (rb == RespResult::kMessageComplete) {
      OnResponseComplete(c, up);
    } else {
      MaybeStartResponseSplice(c, up);
    }
    return;
  }
}

void Shard::RelayResponseBody(Connection& c, UpstreamConn& up, uint16_t bid,
                              const char* data, uint32_t n) {
  Exchange& ex = *c.ex;
  if (ex.tunnel) {
    TunnelUpstreamData(c, up, bid, data, n);
    return;
  }
  size_t used = 0;
  RespResult r;
  if (ex.dechunk) {
    std::string* s = ex.to_client.NewString();
    dechunk_sink_.out = s;
    ex.response.set_body_sink(&dechunk_sink_);
    r = ex.response.FeedBody(data, n, &used);
    dechunk_sink_.out = nullptr;
    Recycle(bid);
    if (s->empty()) {
      ex.to_client.ReturnString(s);
    } else if (!ex.to_client.PushOwned(s)) {
      CloseClient(c);
      return;
    }
  } else {
    r = ex.response.FeedBody(data, n, &used);
    if (used == 0) {
      Recycle(bid);
    } else if (!ex.to_client.PushBuffer(bid, data,
                                        static_cast<uint32_t>(used))) {
      Recycle(bid);
      CloseClient(c);
      return;
    }
  }
  if (r == RespResult::kMessageComplete && used < n) ex.upstream_dirty = true;
  if (used > 0 && config_.metrics != nullptr) {
    config_.metrics->OnBodyBytes(used, 0);
  }
  FlushClient(c);
  if (r == RespResult::kError) {
    CloseClient(c);
    return;
  }
  if (r == RespResult::kMessageComplete) {
    OnResponseComplete(c, up);
    return;
  }
  if (ex.to_client.buffers() >= options_.max_lent_buffers) {
    PauseUpstreamRecv(up);  // the client reads slower than the upstream
  }
}

void Shard::OnUpstreamEof(Connection& c, UpstreamConn& up) {
  Exchange& ex = *c.ex;
  if (ex.tunnel) {
    TunnelUpstreamEof(c, up);
    return;
  }
  if (ex.response_phase == Exchange::ResponsePhase::kBody) {
    if (ex.response.Finish() == RespResult::kMessageComplete) {
      OnResponseComplete(c, up);  // close-delimited body ended
    } else {
      CloseClient(c);  // truncated response: closing is all we can say
    }
    return;
  }
  UpstreamFailed(c, up, ops::UpstreamErrorKind::kReset);
}

void Shard::OnResponseComplete(Connection& c, UpstreamConn& up) {
  Exchange& ex = *c.ex;
  // A response that ended on the copy path needs no splice; a request body
  // still being spliced is abandoned (the upstream answered early and is
  // not reused, the client is closed after the answer).
  ReleaseSplices(c);
  ex.response_phase = Exchange::ResponsePhase::kDone;
  const bool reusable =
      ex.response.keep_alive() && !ex.upstream_dirty && !up.eof &&
      ex.request_phase == Exchange::RequestPhase::kDone && up.out.empty();
  ReleaseUpstream(c, up, reusable);
  if (ex.request_phase != Exchange::RequestPhase::kDone) ex.close_after = true;
  timers_.Arm(&c.timer, kTimerClientIdle, now_ms_);  // client send deadline
  if (ex.to_client.empty()) FinishExchange(c);
}

}  // namespace jwtgate
