// File: src/shard/upstream_conn.h
//
// One connection from a shard to an upstream server, and the shard's
// keep-alive pools. A connection is connecting, active (bound to one client
// connection's exchange), idle (in its pool, with its multishot recv still
// armed so a FIN, RST or stray byte is noticed and the connection dropped),
// or closing (waiting for its in-flight operations before its slot is
// reused). Pools are LIFO stacks of idle connections per upstream, per
// Snapshot generation. Owned by the Shard's slab; shard thread only.
#ifndef JWTGATE_SHARD_UPSTREAM_CONN_H_
#define JWTGATE_SHARD_UPSTREAM_CONN_H_

#include <cstdint>
#include <vector>

#include "jwtgate/common/socket_address.h"
#include "jwtgate/io/timer_lists.h"
#include "jwtgate/route/snapshot.h"
#include "shard/send_queue.h"

namespace jwtgate {

struct UpstreamPool;

struct UpstreamConn {
  enum class State : uint8_t { kFree, kConnecting, kActive, kIdle, kClosing };

  uint32_t slot = 0;
  uint32_t gen = 0;
  int fd = -1;
  State state = State::kFree;
  uint16_t inflight = 0;
  bool recv_armed = false;
  bool recv_paused = false;  // backpressure from the client side
  bool starved = false;      // recv ended with ENOBUFS; waiting for buffers
  bool eof = false;
  bool splice_src = false;  // a response body is spliced from it: no recv
  bool poll_in = false;     // splice readiness polls in the ring
  bool poll_out = false;
  bool recv_oneshot = false;  // carried a large body: single-shot receives
  uint32_t requests = 0;      // exchanges completed on this connection
  UpstreamPool* pool = nullptr;
  SocketAddress server;
  // Owner while active: the client connection's slot and generation.
  uint32_t client_slot = 0;
  uint32_t client_gen = 0;
  SendQueue out;
  io::TimerNode timer;
  int timer_class_fired = -1;  // class of the timer being handled
};

// Idle connections to one upstream, most recently used on top.
struct UpstreamPool {
  const Upstream* upstream = nullptr;
  uint32_t next_server = 0;    // round robin
  std::vector<uint32_t> idle;  // UpstreamConn slots, LIFO
  bool retired = false;        // its Snapshot is no longer current
};

// A Snapshot as one shard runs it: the snapshot, its upstream pools, and
// how many exchanges still run under it (shard-local count, no atomics).
struct SnapshotState {
  SnapshotPtr snapshot;
  std::vector<UpstreamPool> pools;  // by upstream id
  uint32_t refs = 0;
};

}  // namespace jwtgate

#endif  // JWTGATE_SHARD_UPSTREAM_CONN_H_
