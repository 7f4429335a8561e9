// Ring set-up and the submit/wait call of the shard loop.
#include "jwtgate/io/ring.h"

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace jwtgate::io {
namespace {

absl::Status ErrnoStatus(const char* what, int err) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(err)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Ring>> Ring::Create(const Options& options) {
  std::unique_ptr<Ring> ring(new Ring());
  io_uring_params params{};
  // DEFER_TASKRUN: completions run only when this thread enters the kernel
  // to wait, so the loop decides when to pay for them. SUBMIT_ALL: one bad
  // SQE does not cancel the rest of a batch. CLAMP: oversize requests are
  // clamped instead of failing on smaller kernels' limits.
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
                 IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE |
                 IORING_SETUP_CLAMP;
  params.cq_entries = options.cq_entries;
  int rc =
      io_uring_queue_init_params(options.sq_entries, &ring->ring_, &params);
  if (rc < 0) return ErrnoStatus("io_uring_setup", -rc);
  ring->initialised_ = true;
  if (!(params.features & IORING_FEAT_EXT_ARG)) {
    return absl::FailedPreconditionError(
        "io_uring: kernel lacks IORING_FEAT_EXT_ARG (need Linux 5.11+)");
  }
  if (!(params.features & IORING_FEAT_NODROP)) {
    return absl::FailedPreconditionError(
        "io_uring: kernel lacks IORING_FEAT_NODROP");
  }
  // Registering the ring fd saves an fd lookup on every io_uring_enter.
  // Failure only costs that saving.
  (void)io_uring_register_ring_fd(&ring->ring_);
  return ring;
}

Ring::~Ring() {
  if (initialised_) io_uring_queue_exit(&ring_);
}

io_uring_sqe* Ring::GetSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {
    // SQ full: hand the queued entries to the kernel and try again. With
    // SUBMIT_ALL every entry is consumed, so this terminates.
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

int Ring::SubmitAndWait(int64_t timeout_ms) {
  io_uring_cqe* cqe = nullptr;
  if (timeout_ms < 0) {
    return io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, nullptr, nullptr);
  }
  __kernel_timespec ts{};
  ts.tv_sec = timeout_ms / 1000;
  ts.tv_nsec = (timeout_ms % 1000) * 1000000;
  // wait_nr stays 1 even for a zero timeout: only a wait enters the kernel
  // with GETEVENTS, which is what runs DEFER_TASKRUN completions.
  return io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
}

int Ring::Submit() { return io_uring_submit(&ring_); }

uint32_t Ring::cq_overflow() const {
  return ring_.cq.koverflow ? *ring_.cq.koverflow : 0;
}

}  // namespace jwtgate::io
