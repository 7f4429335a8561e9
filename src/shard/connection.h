// File: src/shard/connection.h
//
// One client connection of a shard: an explicit state machine.
//
//   kIdle ──first byte──► kReadingHead ──head ok──► kProxying ──response──┐
//     ▲                        │ bad head / auth / route                    │
//     │                        ▼                                           │
//     │                   kAnswering ─────────────────────────────────────┤
//     └──────────── keep-alive, response sent ◄─────────────────────────────┘
//   any ──close needed──► kLingering (FIN sent, input discarded) ──► kClosing
//   any ──peer gone / error──► kClosing ──in-flight ops done──► kFree
//
// The slot (index in the shard's slab) and generation go into every
// io_uring user_data; the slot is reused only once `inflight` is zero.
// Plain data: the Shard's handlers drive it. Shard thread only.
#ifndef JWTGATE_SHARD_CONNECTION_H_
#define JWTGATE_SHARD_CONNECTION_H_

#include <cstdint>

#include "jwtgate/common/socket_address.h"
#include "jwtgate/io/timer_lists.h"

namespace jwtgate {

struct Exchange;

struct Connection {
  enum class State : uint8_t {
    kFree,
    kIdle,         // keep-alive, no request bytes; no Exchange held
    kReadingHead,  // request head arriving
    kProxying,     // bound to an upstream exchange
    kAnswering,    // sending the gateway's own answer
    kLingering,    // our side shut down; reading until EOF or timeout
    kClosing,      // waiting for in-flight operations, then close(fd)
  };

  uint32_t slot = 0;
  uint32_t gen = 0;
  int fd = -1;
  State state = State::kFree;
  uint16_t inflight = 0;     // operations in the ring naming this slot
  bool recv_armed = false;   // multishot recv in the ring
  bool recv_paused = false;  // reading stopped (backpressure)
  bool starved = false;      // recv ended with ENOBUFS; re-armed later
  bool peer_eof = false;     // the client shut down its sending side
  bool splice_src = false;   // a body is spliced from it: no recv
  bool poll_in = false;      // splice readiness polls in the ring
  bool poll_out = false;
  // Single-shot receives: until its first exchange ends, and for good once
  // it carried a body large enough to splice (ShardOptions::multishot_recv).
  bool recv_oneshot = true;
  bool large_body = false;
  uint8_t peer_ip_len = 0;
  char peer_ip[46] = {};   // client address for X-Forwarded-For
  Exchange* ex = nullptr;  // from the shard's pool while not idle
  SocketAddress peer;
  io::TimerNode timer;
};

}  // namespace jwtgate

#endif  // JWTGATE_SHARD_CONNECTION_H_
