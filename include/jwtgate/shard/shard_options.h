// File: jwtgate/shard/shard_options.h
//
// Tuning of a shard that the config file does not set (SPEC §2 limits come
// from the Snapshot). Defaults suit the quick start and the load tests.
#ifndef JWTGATE_SHARD_SHARD_OPTIONS_H_
#define JWTGATE_SHARD_SHARD_OPTIONS_H_

#include <cstdint>

namespace jwtgate {

struct ShardOptions {
  // Client connections per shard; at the limit the shard stops accepting
  // until one closes (the kernel backlog and other shards take the load).
  uint32_t max_client_connections = 65536;
  // Upstream connections per shard (active plus idle).
  uint32_t max_upstream_connections = 16384;
  // Provided receive buffers per shard (power of two) and their size.
  uint32_t recv_buffers = 2048;
  uint32_t recv_buffer_size = 16 * 1024;
  // Buffers one direction of one exchange may hold before its source stops
  // being read (backpressure).
  int max_lent_buffers = 8;
  // Header fields per message (more: 431 for requests, 502 for responses).
  uint32_t max_headers = 100;
  // Bytes of a response head from an upstream (more: 502).
  uint32_t max_response_head_bytes = 64 * 1024;
  // After the last response on a closing connection, how long the gateway
  // keeps reading (and discarding) so its answer is not lost to a reset.
  uint32_t linger_ms = 2000;
  // An idle pooled upstream connection is closed after this long (keep it
  // below the upstreams' own keep-alive timeout).
  uint32_t upstream_idle_ms = 30000;
  // Idle connections beyond an upstream's `keepalive` are kept this long
  // before being closed, so a burst does not churn connections (HAProxy's
  // pool-purge-delay idea); `keepalive` stays the long-term number.
  uint32_t upstream_surplus_ms = 1000;
  // Longest sleep of an idle loop: bounds how stale its heartbeat gets
  // (the systemd watchdog reads heartbeats).
  int64_t max_wait_ms = 500;
  // Multishot receives stay armed across completions (about 13% less CPU
  // per small request than re-arming a single-shot receive each time,
  // measured with wrk). But a multishot receive fills many buffers before
  // the head is parsed, so a large body behind it would mostly be copied.
  // So a client connection receives single-shot until its first exchange
  // ends, and any connection that carried a body large enough to splice
  // does so for good. false: single-shot everywhere.
  bool multishot_recv = true;
  // A body with at least this many bytes still to come (Content-Length)
  // moves by splice instead of through user-space buffers; 0 turns
  // splicing off. Measured in perf/ (see the README's performance notes).
  uint64_t splice_threshold = 64 * 1024;
  // Splice pipes per shard (more concurrent large bodies copy) and the
  // size each pipe asks for (F_SETPIPE_SZ).
  uint32_t max_pipes = 64;
  uint32_t pipe_bytes = 256 * 1024;
  unsigned sq_entries = 2048;
  unsigned cq_entries = 32768;
  int listen_backlog = 4096;
  // Pin shard i to the i-th CPU the process may run on.
  bool pin_threads = true;
};

}  // namespace jwtgate

#endif  // JWTGATE_SHARD_SHARD_OPTIONS_H_
