// One jwtgate_test_upstream connection: llhttp request parsing, answers in
// order, streaming body hashes, timers for /slow and /drip.
#include "upstream_connection.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pattern.h"
#include "text.h"
#include "websocket.h"

namespace jwtgate::testing {
namespace {

// Bounds: request head (line + headers), unparsed input held while an answer
// is pending, and how long a closing connection waits for the peer's FIN.
constexpr size_t kMaxHeadBytes = 256 * 1024;
constexpr size_t kMaxBufferedInput = 1024 * 1024;
constexpr int kLingerMs = 2000;
// Chunk sizes of chunked pattern bodies, cycled: odd sizes on purpose.
constexpr size_t kChunkSizes[] = {1, 4093, 16384, 100, 65536, 777};

UpstreamConnection* Self(llhttp_t* p) {
  return static_cast<UpstreamConnection*>(p->data);
}

}  // namespace

// llhttp calls plain C functions; these forward to the connection.
struct UpstreamParserCallbacks {
  static int MessageBegin(llhttp_t* p) {
    Self(p)->OnMessageBegin();
    return 0;
  }
  static int Url(llhttp_t* p, const char* at, size_t n) {
    return Self(p)->OnUrl(at, n);
  }
  static int HeaderField(llhttp_t* p, const char* at, size_t n) {
    return Self(p)->OnHeaderField(at, n);
  }
  static int HeaderFieldComplete(llhttp_t* p) {
    Self(p)->OnHeaderFieldComplete();
    return 0;
  }
  static int HeaderValue(llhttp_t* p, const char* at, size_t n) {
    return Self(p)->OnHeaderValue(at, n);
  }
  static int HeadersComplete(llhttp_t* p) {
    return Self(p)->OnHeadersComplete();
  }
  static int Body(llhttp_t* p, const char* at, size_t n) {
    Self(p)->OnBody(at, n);
    return 0;
  }
  static int MessageComplete(llhttp_t* p) {
    return Self(p)->OnMessageComplete();
  }
  static const llhttp_settings_t* Settings() {
    static const llhttp_settings_t settings = [] {
      llhttp_settings_t s;
      llhttp_settings_init(&s);
      s.on_message_begin = MessageBegin;
      s.on_url = Url;
      s.on_header_field = HeaderField;
      s.on_header_field_complete = HeaderFieldComplete;
      s.on_header_value = HeaderValue;
      s.on_headers_complete = HeadersComplete;
      s.on_body = Body;
      s.on_message_complete = MessageComplete;
      return s;
    }();
    return &settings;
  }
};

UpstreamConnection::UpstreamConnection(UniqueFd fd, uint64_t id,
                                       std::string peer, LoopServices* loop)
    : fd_(std::move(fd)),
      id_(id),
      loop_(loop),
      sha_(EVP_MD_CTX_new(), &EVP_MD_CTX_free),
      peer_(std::move(peer)) {
  llhttp_init(&parser_, HTTP_REQUEST, UpstreamParserCallbacks::Settings());
  parser_.data = this;
}

UpstreamConnection::~UpstreamConnection() = default;

// ---- llhttp callbacks -------------------------------------------------------

void UpstreamConnection::OnMessageBegin() {
  request_.method.clear();
  request_.target.clear();
  request_.headers.clear();
  request_.trailers.clear();
  request_.body_length = 0;
  request_.chunked = false;
  request_.upgrade = false;
  head_bytes_ = 0;
  in_trailers_ = false;
  field_complete_ = true;
  EVP_DigestInit_ex(sha_.get(), EVP_sha256(), nullptr);
}

int UpstreamConnection::OnUrl(const char* at, size_t n) {
  head_bytes_ += n;
  if (head_bytes_ > kMaxHeadBytes) {
    request_too_large_ = true;
    return -1;
  }
  request_.target.append(at, n);
  return 0;
}

int UpstreamConnection::OnHeaderField(const char* at, size_t n) {
  head_bytes_ += n;
  if (head_bytes_ > kMaxHeadBytes) {
    request_too_large_ = true;
    return -1;
  }
  auto& list = in_trailers_ ? request_.trailers : request_.headers;
  if (field_complete_ || list.empty()) {
    list.emplace_back();
    field_complete_ = false;
  }
  list.back().first.append(at, n);
  return 0;
}

int UpstreamConnection::OnHeaderValue(const char* at, size_t n) {
  head_bytes_ += n;
  if (head_bytes_ > kMaxHeadBytes) {
    request_too_large_ = true;
    return -1;
  }
  auto& list = in_trailers_ ? request_.trailers : request_.headers;
  if (!list.empty()) list.back().second.append(at, n);
  return 0;
}

int UpstreamConnection::OnHeadersComplete() {
  request_.method = llhttp_method_name(
      static_cast<llhttp_method_t>(llhttp_get_method(&parser_)));
  request_.http_major = llhttp_get_http_major(&parser_);
  request_.http_minor = llhttp_get_http_minor(&parser_);
  in_trailers_ = true;
  field_complete_ = true;
  bool has_body =
      (parser_.flags & F_CHUNKED) != 0 || parser_.content_length > 0;
  if (has_body &&
      EqualsNoCase(TrimOws(request_.Header("expect")), "100-continue")) {
    out_.append("HTTP/1.1 100 Continue\r\n\r\n");
  }
  return 0;
}

void UpstreamConnection::OnBody(const char* at, size_t n) {
  request_.body_length += n;
  EVP_DigestUpdate(sha_.get(), at, n);
}

int UpstreamConnection::OnMessageComplete() {
  request_.chunked = (parser_.flags & F_CHUNKED) != 0;
  request_.keep_alive = llhttp_should_keep_alive(&parser_) != 0;
  request_.upgrade = parser_.upgrade != 0;
  // Upgrades make llhttp return HPE_PAUSED_UPGRADE by itself.
  return request_.upgrade ? 0 : HPE_PAUSED;
}

// ---- driving ----------------------------------------------------------------

bool UpstreamConnection::OnEvents(uint32_t events) {
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) readable_ = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) writable_ = true;
  return Drive();
}

bool UpstreamConnection::OnTimer(int64_t now_ms) {
  if (timer_deadline_ == 0 || now_ms < timer_deadline_) return true;  // stale
  timer_deadline_ = 0;
  switch (phase_) {
    case Phase::kClosing:
      return false;
    case Phase::kWaiting:
      if (plan_.delay_ms > 0) {
        plan_.delay_ms = 0;
        ResponsePlan plan = std::move(plan_);
        return StartPlan(std::move(plan)) && Drive();
      }
      out_.append(PatternAt(pattern_sent_), 1);
      ++pattern_sent_;
      if (pattern_sent_ < plan_.pattern_bytes) {
        timer_deadline_ = now_ms + plan_.drip_interval_ms;
        loop_->ScheduleTimer(id_, timer_deadline_);
      } else {
        phase_ = Phase::kWriting;
      }
      return Drive();
    default:
      return true;
  }
}

bool UpstreamConnection::Drive() {
  for (;;) {
    bool progress = false;
    if (phase_ == Phase::kClosing) {
      // Discard whatever the peer still sends until its FIN (or the timer).
      while (readable_) {
        IoResult r = ReadInput();
        if (r == IoResult::kEof || r == IoResult::kError) return false;
      }
      in_.clear();
      parsed_ = 0;
      return true;
    }
    if (readable_ && !eof_ && in_.size() - parsed_ < kMaxBufferedInput) {
      IoResult r = ReadInput();
      if (r == IoResult::kError) return false;
      progress = r == IoResult::kProgress || r == IoResult::kEof;
    }
    if (phase_ == Phase::kReading) {
      int parsed = ParseAndDispatch();
      if (parsed < 0) return false;
      progress |= parsed > 0;
    }
    if (phase_ == Phase::kWebSocket && !in_.empty()) {
      WsResult ws = EchoWebSocketFrames(&in_, &out_);
      if (ws == WsResult::kError) return false;
      if (ws == WsResult::kClose) {
        plan_ = ResponsePlan();
        plan_.close_after = true;
        phase_ = Phase::kWriting;
      }
    }
    IoResult f = Flush();
    if (f == IoResult::kError) return false;
    if (f == IoResult::kProgress && phase_ == Phase::kWriting) {
      if (plan_.close_after) {
        ::shutdown(fd_.get(), SHUT_WR);
        phase_ = Phase::kClosing;
        timer_deadline_ = loop_->NowMs() + kLingerMs;
        loop_->ScheduleTimer(id_, timer_deadline_);
        continue;
      }
      phase_ = Phase::kReading;
      progress = true;
    }
    bool idle = out_pos_ == out_.size() && parsed_ == in_.size();
    if (eof_ && idle &&
        (phase_ == Phase::kReading || phase_ == Phase::kWebSocket)) {
      return false;  // the peer is done and so are we
    }
    if (!progress) return true;
  }
}

UpstreamConnection::IoResult UpstreamConnection::ReadInput() {
  ssize_t r = ::recv(fd_.get(), loop_->scratch(), loop_->scratch_size(), 0);
  if (r > 0) {
    if (phase_ != Phase::kClosing) {
      in_.append(loop_->scratch(), static_cast<size_t>(r));
    }
    return IoResult::kProgress;
  }
  if (r == 0) {
    eof_ = true;
    readable_ = false;
    return IoResult::kEof;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) {
    readable_ = false;
    return IoResult::kAgain;
  }
  if (errno == EINTR) return IoResult::kProgress;
  return IoResult::kError;
}

int UpstreamConnection::ParseAndDispatch() {
  int progress = 0;
  while (phase_ == Phase::kReading && parsed_ < in_.size()) {
    const char* data = in_.data() + parsed_;
    size_t n = in_.size() - parsed_;
    llhttp_errno_t err = llhttp_execute(&parser_, data, n);
    progress = 1;
    if (err == HPE_OK) {
      parsed_ = in_.size();
      break;
    }
    if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {
      parsed_ += static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
      if (err == HPE_PAUSED) llhttp_resume(&parser_);
      if (!Dispatch(err == HPE_PAUSED_UPGRADE)) return -1;
      continue;
    }
    // A request the strict parser rejects gets 400 (431 if too large).
    parsed_ = in_.size();
    if (!StartPlan(Responder::Error(request_too_large_ ? 431 : 400,
                                    llhttp_errno_name(err)))) {
      return -1;
    }
  }
  if (parsed_ == in_.size()) {
    in_.clear();
    parsed_ = 0;
  } else if (parsed_ > 64 * 1024) {
    in_.erase(0, parsed_);
    parsed_ = 0;
  }
  return progress;
}

bool UpstreamConnection::Dispatch(bool upgrade) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_DigestFinal_ex(sha_.get(), md, &md_len);
  static constexpr char kHex[] = "0123456789abcdef";
  request_.body_sha256_hex.clear();
  for (unsigned int i = 0; i < md_len; ++i) {
    request_.body_sha256_hex.push_back(kHex[md[i] >> 4]);
    request_.body_sha256_hex.push_back(kHex[md[i] & 15]);
  }
  // A field value excludes the optional whitespace around it (RFC 9110
  // §5.5); llhttp leaves trailing whitespace in.
  for (auto* list : {&request_.headers, &request_.trailers}) {
    for (auto& h : *list) {
      while (!h.second.empty() &&
             (h.second.back() == ' ' || h.second.back() == '\t')) {
        h.second.pop_back();
      }
    }
  }
  request_.connection_id = id_;
  request_.request_index = ++requests_;
  request_.peer = peer_;
  request_.thread = loop_->thread_index();

  ResponsePlan plan = loop_->responder().Plan(request_);
  if (plan.websocket) {
    std::optional<std::string> head = WebSocketAcceptHead(request_);
    if (upgrade && head.has_value()) {
      out_.append(*head);
      phase_ = Phase::kWebSocket;
      in_.erase(0, parsed_);  // what follows the head are frames
      parsed_ = 0;
      return true;
    }
    plan = Responder::Error(400, "not a websocket upgrade");
  }
  if (upgrade) llhttp_resume_after_upgrade(&parser_);
  return StartPlan(std::move(plan));
}

bool UpstreamConnection::StartPlan(ResponsePlan plan) {
  if (plan.reset) {
    Reset();
    return false;
  }
  plan_ = std::move(plan);
  phase_ = Phase::kReading;
  pattern_sent_ = 0;
  chunk_index_ = 0;
  chunk_final_sent_ = false;
  if (plan_.delay_ms > 0) {
    phase_ = Phase::kWaiting;
    timer_deadline_ = loop_->NowMs() + plan_.delay_ms;
    loop_->ScheduleTimer(id_, timer_deadline_);
    return true;
  }
  out_.append(plan_.head);
  out_.append(plan_.body);
  if (plan_.drip_interval_ms > 0 && plan_.pattern_bytes > 0) {
    out_.append(PatternAt(0), 1);
    pattern_sent_ = 1;
    if (pattern_sent_ < plan_.pattern_bytes) {
      phase_ = Phase::kWaiting;
      timer_deadline_ = loop_->NowMs() + plan_.drip_interval_ms;
      loop_->ScheduleTimer(id_, timer_deadline_);
      return true;
    }
  }
  // Small answers stay queued in out_ while pipelined requests are parsed,
  // so a burst leaves in one send; the rest go through kWriting.
  if (plan_.pattern_chunked || pattern_sent_ < plan_.pattern_bytes ||
      plan_.close_after) {
    phase_ = Phase::kWriting;
  }
  return true;
}

void UpstreamConnection::AppendPatternChunk() {
  uint64_t left = plan_.pattern_bytes - pattern_sent_;
  if (left == 0) {
    out_.append("0\r\n\r\n");
    chunk_final_sent_ = true;
    return;
  }
  size_t n = static_cast<size_t>(std::min<uint64_t>(
      left, kChunkSizes[chunk_index_++ % std::size(kChunkSizes)]));
  absl::StrAppend(&out_, absl::Hex(n), "\r\n");
  out_.append(PatternAt(pattern_sent_), n);
  out_.append("\r\n");
  pattern_sent_ += n;
}

UpstreamConnection::IoResult UpstreamConnection::Flush() {
  for (;;) {
    const char* data;
    size_t n;
    bool from_pattern = false;
    if (out_pos_ < out_.size()) {
      data = out_.data() + out_pos_;
      n = out_.size() - out_pos_;
    } else {
      out_.clear();
      out_pos_ = 0;
      bool streaming = phase_ == Phase::kWriting && plan_.drip_interval_ms == 0;
      if (streaming && plan_.pattern_chunked && !chunk_final_sent_) {
        AppendPatternChunk();
        continue;
      }
      if (!streaming || plan_.pattern_chunked ||
          pattern_sent_ >= plan_.pattern_bytes) {
        return IoResult::kProgress;  // nothing left to send
      }
      // Fixed-length pattern bodies go straight from the pattern block.
      data = PatternAt(pattern_sent_);
      n = static_cast<size_t>(std::min<uint64_t>(
          plan_.pattern_bytes - pattern_sent_, kPatternSlack));
      from_pattern = true;
    }
    ssize_t w = ::send(fd_.get(), data, n, MSG_NOSIGNAL);
    if (w > 0) {
      if (from_pattern) {
        pattern_sent_ += static_cast<uint64_t>(w);
      } else {
        out_pos_ += static_cast<size_t>(w);
      }
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      writable_ = false;
      return IoResult::kAgain;
    }
    return IoResult::kError;
  }
}

void UpstreamConnection::Reset() {
  linger lg{1, 0};
  ::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  fd_.Reset();
}

}  // namespace jwtgate::testing
