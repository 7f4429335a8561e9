// File: jwtgate/shard/shard_set.h
//
// The gateway's shards: N threads, each pinned to a CPU and running its own
// io_uring loop with its own SO_REUSEPORT listeners, connections, upstream
// pools and token cache. The control thread talks to them only through
// per-shard mailboxes: publish a new Snapshot (each shard switches at a
// request boundary), drain, stop.
//
// Usage:
//   auto shards = ShardSet::Start(snapshot, options);   // all listening
//   shards->Publish(new_snapshot);                      // SIGHUP
//   shards->Drain(); shards->Wait(deadline_ms);         // SIGTERM
//
// Thread rules: every method from the one control thread. Owns the shard
// threads; the destructor stops and joins them.
#ifndef JWTGATE_SHARD_SHARD_SET_H_
#define JWTGATE_SHARD_SHARD_SET_H_

#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "jwtgate/common/socket_address.h"
#include "jwtgate/ops/access_log.h"
#include "jwtgate/ops/metrics.h"
#include "jwtgate/route/snapshot.h"
#include "jwtgate/shard/shard_options.h"

namespace jwtgate {

class Mailbox;

class ShardSet {
 public:
  struct Options {
    ShardOptions shard;
    // Optional; must outlive the ShardSet. Sized for shard_count().
    ops::MetricsRegistry* metrics = nullptr;
    ops::AccessLog* access_log = nullptr;
  };

  // Shards a snapshot asks for: `shards`, or one per CPU this process may
  // run on when it is 0 (auto).
  static int ResolveShardCount(const GatewaySettings& gateway);

  // Starts every shard and returns once each one listens on every
  // `listen` address of `snapshot` (a port 0 is resolved by the first
  // shard and shared by the rest). A listener that cannot be opened fails
  // the whole start with a message naming the address.
  static absl::StatusOr<std::unique_ptr<ShardSet>> Start(
      SnapshotPtr snapshot, const Options& options);
  ~ShardSet();
  ShardSet(const ShardSet&) = delete;
  ShardSet& operator=(const ShardSet&) = delete;

  int shard_count() const { return static_cast<int>(threads_.size()); }
  // The listen addresses with their real ports.
  const std::vector<SocketAddress>& listen_addresses() const {
    return addresses_;
  }

  // Hands `snapshot` to every shard; each switches between requests, and
  // requests in flight finish under the one they started with. Listen
  // addresses that stay keep their sockets (and connections); new ones are
  // opened here first, and if one cannot be, nothing is published and the
  // error names the address. Removed ones close.
  absl::Status Publish(SnapshotPtr snapshot);
  // Every shard stops accepting, closes idle connections, answers what is
  // in flight (503 + close for new requests on kept-alive connections) and
  // ends when its connections are gone or its drain_timeout passed.
  void Drain();
  // Waits up to `timeout_ms` for every shard thread to end; true if all did.
  bool Wait(int64_t timeout_ms);
  // Ends every shard now (open connections are dropped) and joins them.
  void Stop();

 private:
  ShardSet() = default;

  std::vector<std::unique_ptr<Mailbox>> mailboxes_;
  std::vector<std::thread> threads_;
  std::vector<SocketAddress> configured_;  // as written (port may be 0)
  std::vector<SocketAddress> addresses_;   // bound, parallel to configured_
  int listen_backlog_ = 0;
  std::shared_ptr<struct ShardSetState> state_;
};

}  // namespace jwtgate

#endif  // JWTGATE_SHARD_SHARD_SET_H_
