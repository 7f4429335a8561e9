// File: src/shard/mailbox.h
//
// Control messages for one shard (new snapshot, drain, stop), posted from
// any thread and read by the shard, whose ring keeps a read armed on the
// eventfd. Only control traffic goes through here, never requests, so the
// mutex is never on the request path.
#ifndef JWTGATE_SHARD_MAILBOX_H_
#define JWTGATE_SHARD_MAILBOX_H_

#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "jwtgate/common/socket_address.h"
#include "jwtgate/common/unique_fd.h"
#include "jwtgate/route/snapshot.h"

namespace jwtgate {

// A listening socket opened off the shard (by a reload) for the shard to
// adopt.
struct ListenSocket {
  SocketAddress bound;
  UniqueFd fd;
};

// Move-only (it may carry sockets).
struct ShardMessage {
  enum class Kind { kSnapshot, kDrain, kStop };
  static ShardMessage Of(Kind kind) {
    ShardMessage m;
    m.kind = kind;
    return m;
  }
  Kind kind = Kind::kStop;
  SnapshotPtr snapshot;  // kSnapshot
  // kSnapshot: listeners to close (by bound address) and to start on.
  std::vector<SocketAddress> close_listeners;
  std::vector<ListenSocket> open_listeners;
};

// Thread-safe. Owned by the ShardSet; outlives its shard thread.
class Mailbox {
 public:
  static absl::StatusOr<std::unique_ptr<Mailbox>> Create();
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  // Any thread.
  void Post(ShardMessage message);
  // The eventfd the shard reads to learn that messages wait.
  int fd() const { return fd_.get(); }
  // Shard thread: every message posted so far, oldest first.
  std::vector<ShardMessage> Take();

 private:
  explicit Mailbox(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
  absl::Mutex mu_;
  std::vector<ShardMessage> queue_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jwtgate

#endif  // JWTGATE_SHARD_MAILBOX_H_
