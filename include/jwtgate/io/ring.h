// File: jwtgate/io/ring.h
//
// One io_uring, owned by one shard thread. Created in the thread that uses
// it (IORING_SETUP_SINGLE_ISSUER binds the submitter to the creating task)
// with DEFER_TASKRUN, SUBMIT_ALL, a large CQ and a registered ring fd. Not
// thread-safe: every method must be called from the creating thread.
//
// Usage, once per loop turn:
//   ring->SubmitAndWait(timeout_ms);            // one syscall
//   ring->ForEachCompletion([&](const io_uring_cqe& c) { ... });
#ifndef JWTGATE_IO_RING_H_
#define JWTGATE_IO_RING_H_

#include <liburing.h>

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"

namespace jwtgate::io {

class Ring {
 public:
  struct Options {
    unsigned sq_entries = 1024;
    unsigned cq_entries = 16384;
  };

  // Sets up the ring in the calling thread. Errors name the failing call
  // and the errno text.
  static absl::StatusOr<std::unique_ptr<Ring>> Create(const Options& options);
  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  io_uring* raw() { return &ring_; }

  // A cleared SQE, never null: when the SQ is full the queued entries are
  // submitted first. The caller fills it with an io_uring_prep_* helper
  // and sets flags and user_data afterwards.
  io_uring_sqe* GetSqe();

  // Submits everything queued and waits until at least one completion is
  // ready or `timeout_ms` passed (< 0: wait without limit, 0: do not wait).
  // Returns the number submitted or a negative errno (-ETIME on timeout,
  // -EINTR, -EBUSY when the CQ backlog must be reaped first).
  int SubmitAndWait(int64_t timeout_ms);
  // Submits without waiting.
  int Submit();

  // Calls fn(const io_uring_cqe&) for every ready completion, then marks
  // them seen with one CQ-head update. Returns how many were handled. `fn`
  // may queue new SQEs.
  template <typename Fn>
  unsigned ForEachCompletion(Fn&& fn) {
    unsigned head;
    unsigned n = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      fn(*cqe);
      ++n;
    }
    if (n > 0) io_uring_cq_advance(&ring_, n);
    return n;
  }

  // CQEs the kernel could not post (overflow counter) since creation.
  uint32_t cq_overflow() const;
  unsigned sq_space_left() { return io_uring_sq_space_left(&ring_); }

 private:
  Ring() = default;
  io_uring ring_{};
  bool initialised_ = false;
};

}  // namespace jwtgate::io

#endif  // JWTGATE_IO_RING_H_
