// Hand-rolled provided-buffer ring (the liburing 2.4 io_uring_setup_buf_ring
// steps done with 2.3's primitives).
#include "jwtgate/io/buffer_ring.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace jwtgate::io {
namespace {

size_t RoundUpToPage(size_t n) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (n + page - 1) / page * page;
}

void* MapAnonymous(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

}  // namespace

absl::StatusOr<std::unique_ptr<BufferRing>> BufferRing::Create(
    Ring* ring, uint16_t group_id, uint32_t count, uint32_t buffer_size) {
  if (count == 0 || count > 32768 || (count & (count - 1)) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "buffer ring: count ", count, " is not a power of two in [1, 32768]"));
  }
  if (buffer_size == 0) {
    return absl::InvalidArgumentError("buffer ring: buffer_size is 0");
  }
  std::unique_ptr<BufferRing> br(new BufferRing());
  br->ring_ = ring;
  br->group_id_ = group_id;
  br->count_ = count;
  br->buffer_size_ = buffer_size;
  br->mask_ = io_uring_buf_ring_mask(count);

  br->ring_bytes_ = RoundUpToPage(count * sizeof(io_uring_buf));
  void* ring_mem = MapAnonymous(br->ring_bytes_);
  if (ring_mem == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("buffer ring: mmap: ", std::strerror(errno)));
  }
  br->br_ = static_cast<io_uring_buf_ring*>(ring_mem);
  br->buffers_bytes_ = RoundUpToPage(size_t{count} * buffer_size);
  br->buffers_ = static_cast<char*>(MapAnonymous(br->buffers_bytes_));
  if (br->buffers_ == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("buffer ring: mmap buffers: ", std::strerror(errno)));
  }

  io_uring_buf_ring_init(br->br_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uintptr_t>(br->br_);
  reg.ring_entries = count;
  reg.bgid = group_id;
  int rc = io_uring_register_buf_ring(ring->raw(), &reg, 0);
  if (rc < 0) {
    return absl::InternalError(
        absl::StrCat("io_uring_register_buf_ring: ", std::strerror(-rc)));
  }
  br->registered_ = true;
  for (uint32_t i = 0; i < count; ++i) {
    io_uring_buf_ring_add(br->br_, br->Data(static_cast<uint16_t>(i)),
                          buffer_size, static_cast<uint16_t>(i), br->mask_,
                          static_cast<int>(i));
  }
  io_uring_buf_ring_advance(br->br_, static_cast<int>(count));
  return br;
}

BufferRing::~BufferRing() {
  if (registered_) io_uring_unregister_buf_ring(ring_->raw(), group_id_);
  if (buffers_ != nullptr) munmap(buffers_, buffers_bytes_);
  if (br_ != nullptr) munmap(br_, ring_bytes_);
}

void BufferRing::Recycle(uint16_t bid) {
  io_uring_buf_ring_add(br_, Data(bid), buffer_size_, bid, mask_, pending_);
  ++pending_;
  --held_;
}

void BufferRing::Publish() {
  if (pending_ == 0) return;
  io_uring_buf_ring_advance(br_, pending_);
  pending_ = 0;
}

}  // namespace jwtgate::io
