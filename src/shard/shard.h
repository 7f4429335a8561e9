// File: src/shard/shard.h
//
// One shard: a thread's io_uring loop serving client connections on its own
// SO_REUSEPORT listeners and proxying them to its own upstream connection
// pools. It owns everything on its request path (ring, buffer ring,
// connection slabs, exchanges, pools, token verifier and cache, timers,
// counters); other threads reach it only through its Mailbox.
//
// Handlers are split by concern: shard.cc (loop, mailbox, timers,
// snapshots, drain), shard_listen.cc (accept, listeners), shard_client.cc
// (client connection state machine), shard_auth.cc (route, token, forwarded
// head), shard_upstream.cc (upstream connections and pools), shard_relay.cc
// (bodies and responses on the copy path), shard_splice.cc (zero-copy
// bodies), shard_tunnel.cc (WebSocket tunnels).
//
// Created and run on its own thread; not thread-safe.
#ifndef JWTGATE_SHARD_SHARD_H_
#define JWTGATE_SHARD_SHARD_H_

#include <liburing.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "jwtgate/common/clock.h"
#include "jwtgate/http/answer.h"
#include "jwtgate/io/buffer_ring.h"
#include "jwtgate/io/pipe_pool.h"
#include "jwtgate/io/ring.h"
#include "jwtgate/io/timer_lists.h"
#include "jwtgate/jwt/verifier.h"
#include "jwtgate/ops/access_log.h"
#include "jwtgate/ops/metrics.h"
#include "jwtgate/route/snapshot.h"
#include "jwtgate/shard/shard_options.h"
#include "shard/connection.h"
#include "shard/exchange.h"
#include "shard/mailbox.h"
#include "shard/op_kind.h"
#include "shard/upstream_conn.h"

namespace jwtgate {

class Shard {
 public:
  struct Config {
    int index = 0;
    ShardOptions options;
    SnapshotPtr snapshot;
    std::vector<SocketAddress> listen;          // ports already resolved, or 0
    Mailbox* mailbox = nullptr;                 // outlives the shard
    ops::ShardMetrics* metrics = nullptr;       // may be null
    ops::ShardAccessLog* access_log = nullptr;  // may be null
    const Clock* clock = &SystemClock::Get();
  };

  // Sets up the ring, buffers and listeners in the calling thread.
  static absl::StatusOr<std::unique_ptr<Shard>> Create(const Config& config);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Addresses the listeners are bound to (real ports).
  std::vector<SocketAddress> bound() const;
  // Serves until stopped, or until drained after a drain message.
  void Run();

 private:
  explicit Shard(const Config& config);
  absl::Status Init();

  // ---- loop (shard.cc)
  void Dispatch(const io_uring_cqe& cqe);
  void UpdateClock();
  int64_t WaitTimeoutMs() const;
  void ExpireTimers();
  void RearmStarved();

  // ---- listeners (shard_listen.cc)
  void ArmAccept(size_t listener);
  void OnAccept(size_t listener, uint32_t gen, const io_uring_cqe& cqe);
  void AdoptClient(Connection& c, int fd);
  void StopAccepting();
  // Re-arms accepts once below the connection limit; after descriptor
  // exhaustion only when a connection of ours closed or the retry is due.
  void MaybeResumeAccepting(bool slot_freed);
  void CloseListener(size_t listener);
  // A reload's listener changes: `close` by bound address, `open` adopted.
  void ChangeListeners(const std::vector<SocketAddress>& close,
                       std::vector<ListenSocket> open);

  // ---- mailbox, snapshots, drain (shard.cc)
  void ArmMailbox();
  void OnMailbox(const io_uring_cqe& cqe);
  void SwitchSnapshot(SnapshotPtr snapshot);
  void ApplyLimits(const GatewaySettings& settings);
  void UnrefSnapshot(SnapshotState* state);
  void BeginDrain();
  bool Drained() const;
  void Recycle(uint16_t bid) { buffers_->Recycle(bid); }
  void Cancel(uint64_t user_data);
  void CancelFd(int fd);
  uint64_t Cookie(OpKind kind, uint32_t slot, uint32_t gen) const;

  // ---- client connections (shard_client.cc)
  Connection* AllocClient();
  void OnClientRecv(Connection& c, const io_uring_cqe& cqe);
  void OnClientSend(Connection& c, const io_uring_cqe& cqe);
  void OnClientData(Connection& c, uint16_t bid, const char* data, uint32_t n);
  void OnClientEof(Connection& c);
  void OnClientTimer(Connection& c);
  void ArmClientRecv(Connection& c);
  void UpdateClientReading(Connection& c);
  bool AppendInput(Connection& c, const char* data, uint32_t n);
  void StartRequest(Connection& c);
  void ParseHead(Connection& c);
  void Answer(Connection& c, const http::Answer& answer);
  void AnswerStatus(Connection& c, int status, bool close);
  void FlushClient(Connection& c);
  void FinishExchange(Connection& c);
  void RecordRequest(Connection& c);
  void LingerClient(Connection& c);
  void CloseClient(Connection& c);
  void MaybeFreeClient(Connection& c);

  // ---- request admission (shard_auth.cc)
  void OnHeadComplete(Connection& c);
  bool Authorize(Connection& c, const Route& route,
                 jwt::VerifyOutcome* outcome);
  // The 400/401/403 answer for a token that did not pass (SPEC §4).
  void RefuseToken(Connection& c, jwt::AuthResult result);
  bool BuildUpstreamRequest(Connection& c, const Route& route,
                            const jwt::VerifyOutcome* outcome);

  // ---- upstream connections (shard_upstream.cc)
  void BindUpstream(Connection& c, bool fresh);
  UpstreamConn* AcquireIdle(UpstreamPool& pool);
  UpstreamConn* ConnectUpstream(UpstreamPool& pool);
  UpstreamConn* FindUpstream(uint32_t slot, uint32_t gen);
  Connection* OwnerOf(UpstreamConn& up);
  void OnUpstreamConnect(UpstreamConn& up, const io_uring_cqe& cqe);
  void OnUpstreamRecv(UpstreamConn& up, const io_uring_cqe& cqe);
  // Whose silence counts while a request goes upstream, copied or
  // spliced: the client's (client_idle_timeout) while the upstream has all
  // there is so far and more of the body is to come (a slow uploader is not
  // a slow upstream), else the upstream's (upstream_timeout).
  void ArmRequestTimer(Connection& c, UpstreamConn& up);
  void OnUpstreamSend(UpstreamConn& up, const io_uring_cqe& cqe);
  void OnUpstreamTimer(UpstreamConn& up);
  void ArmUpstreamRecv(UpstreamConn& up);
  void PauseUpstreamRecv(UpstreamConn& up);
  void ResumeUpstreamRecv(UpstreamConn& up);
  void FlushUpstream(UpstreamConn& up);
  void UpstreamFailed(Connection& c, UpstreamConn& up,
                      ops::UpstreamErrorKind kind);
  void ReleaseUpstream(Connection& c, UpstreamConn& up, bool reusable);
  void CloseUpstream(UpstreamConn& up);
  void MaybeFreeUpstream(UpstreamConn& up);

  // ---- bodies and responses (shard_relay.cc)
  void ForwardRequestBody(Connection& c, uint16_t bid, const char* data,
                          uint32_t n);
  void OnUpstreamData(Connection& c, UpstreamConn& up, uint16_t bid,
                      const char* data, uint32_t n);
  void RelayResponseHead(Connection& c, UpstreamConn& up);
  void RelayResponseBody(Connection& c, UpstreamConn& up, uint16_t bid,
                         const char* data, uint32_t n);
  void OnUpstreamEof(Connection& c, UpstreamConn& up);
  void OnResponseComplete(Connection& c, UpstreamConn& up);
  void FailRequestBody(Connection& c, int status);

  // ---- zero-copy bodies (shard_splice.cc)
  enum class SpliceDir : uint8_t { kRequest, kResponse };
  // Switch the rest of a large Content-Length body to splicing; false when
  // it stays on the copy path (small, chunked, no pipe free, ...).
  bool MaybeStartRequestSplice(Connection& c, UpstreamConn& up);
  bool MaybeStartResponseSplice(Connection& c, UpstreamConn& up);
  // Moves bytes while both sides allow; arms a poll where one blocks.
  void PumpSplice(Connection& c, UpstreamConn& up, SpliceDir dir);
  void PumpSpliceOf(Connection& c, SpliceDir dir);
  void OnSpliced(Connection& c, UpstreamConn& up, SpliceDir dir, uint64_t n);
  void ArmSplicePoll(Connection& c, UpstreamConn& up, OpKind kind);
  void OnClientPoll(Connection& c, bool out);
  void OnUpstreamPoll(UpstreamConn& up, bool out);
  void FinishSplice(Connection& c, UpstreamConn& up, SpliceDir dir);
  void SpliceFailed(Connection& c, UpstreamConn& up, SpliceDir dir,
                    bool reading, int error);
  // Gives the pipe back (closed if it may hold bytes) and cancels polls.
  void EndSplice(Connection& c, SpliceDir dir);
  void ReleaseSplices(Connection& c);

  // ---- WebSocket tunnels after a 101 (shard_tunnel.cc)
  void StartTunnel(Connection& c, UpstreamConn& up);
  void TunnelClientData(Connection& c, uint16_t bid, const char* data,
                        uint32_t n);
  void TunnelUpstreamData(Connection& c, UpstreamConn& up, uint16_t bid,
                          const char* data, uint32_t n);
  void TunnelClientEof(Connection& c);
  void TunnelUpstreamEof(Connection& c, UpstreamConn& up);
  void MaybeShutdownUpstream(Connection& c, UpstreamConn& up);

  struct Starved {
    bool upstream;
    uint32_t slot;
    uint32_t gen;
  };
  // Decoded body bytes of a chunked response for an HTTP/1.0 client.
  struct DechunkSink : http::ResponseParser::BodySink {
    std::string* out = nullptr;
    void OnBodyData(std::string_view data) override {
      if (out != nullptr) out->append(data);
    }
  };

  Config config_;
  const ShardOptions options_;
  std::unique_ptr<io::Ring> ring_;
  std::unique_ptr<io::BufferRing> buffers_;  // destroyed before ring_
  // One listening socket. A slot is reused (gen + 1) only once its accept
  // has ended, so a late completion is told apart by its generation.
  struct Listener {
    UniqueFd fd;  // invalid once closed (drain, reload)
    SocketAddress bound;
    bool armed = false;
    uint32_t gen = 0;
  };
  std::vector<Listener> listeners_;
  bool accepting_ = true;
  bool fds_exhausted_ = false;  // accept hit EMFILE/ENFILE
  int64_t accept_retry_ms_ = 0;
  uint32_t cq_overflow_seen_ = 0;
  uint64_t mailbox_value_ = 0;

  // Slabs; slot = index. A deque grows without moving elements, so slots
  // are created on demand up to the limits and addresses stay stable.
  std::deque<Connection> clients_;
  std::vector<uint32_t> free_clients_;
  std::deque<UpstreamConn> upstreams_;
  std::vector<uint32_t> free_upstreams_;
  uint32_t client_count_ = 0;
  uint32_t upstream_count_ = 0;
  std::deque<Starved> starved_;

  io::TimerLists timers_;
  std::unique_ptr<ExchangePool> exchanges_;
  std::unique_ptr<io::PipePool> pipes_;
  std::unique_ptr<jwt::Verifier> verifier_;
  uint32_t verifier_cache_entries_ = 0;
  DechunkSink dechunk_sink_;

  // Snapshots in use; back() is current.
  std::vector<std::unique_ptr<SnapshotState>> snapshots_;
  SnapshotState* current_ = nullptr;

  int64_t now_ns_ = 0;  // CLOCK_MONOTONIC, read once per loop turn
  int64_t now_ms_ = 0;
  int64_t unix_ms_ = 0;  // wall clock, once per loop turn
  bool draining_ = false;
  bool stop_ = false;
  int64_t drain_deadline_ms_ = 0;
};

}  // namespace jwtgate

#endif  // JWTGATE_SHARD_SHARD_H_
