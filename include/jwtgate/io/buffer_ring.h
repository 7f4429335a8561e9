// File: jwtgate/io/buffer_ring.h
//
// A provided-buffer ring (one buffer group) registered with a Ring, set up by
// hand because liburing 2.3 lacks io_uring_setup_buf_ring: one page-aligned
// mapping holds the ring entries, a second one the buffers. Multishot recvs
// that name the group get a buffer id (bid) per completion; the owner hands
// each buffer back with Recycle() once its bytes are consumed, and Publish()
// makes the returned buffers visible to the kernel (once per loop turn).
//
// Owned by one shard; not thread-safe. Must be destroyed before its Ring.
#ifndef JWTGATE_IO_BUFFER_RING_H_
#define JWTGATE_IO_BUFFER_RING_H_

#include <liburing.h>

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "jwtgate/io/ring.h"

namespace jwtgate::io {

class BufferRing {
 public:
  // `count` must be a power of two in [1, 32768]; `buffer_size` > 0.
  static absl::StatusOr<std::unique_ptr<BufferRing>> Create(
      Ring* ring, uint16_t group_id, uint32_t count, uint32_t buffer_size);
  ~BufferRing();
  BufferRing(const BufferRing&) = delete;
  BufferRing& operator=(const BufferRing&) = delete;

  uint16_t group_id() const { return group_id_; }
  uint32_t count() const { return count_; }
  uint32_t buffer_size() const { return buffer_size_; }

  // The memory of buffer `bid`.
  char* Data(uint16_t bid) const {
    return buffers_ + static_cast<size_t>(bid) * buffer_size_;
  }
  // Records that the kernel filled `bid` (a completion carried
  // IORING_CQE_F_BUFFER) and returns its memory. The caller now owns it
  // until Recycle(bid).
  char* Take(uint16_t bid) {
    ++held_;
    return Data(bid);
  }
  // Gives `bid` back; the kernel may reuse it after the next Publish().
  void Recycle(uint16_t bid);
  // Makes every recycled buffer visible to the kernel (one release store).
  void Publish();

  // Buffers held by the application right now (taken, not yet recycled).
  uint32_t held() const { return held_; }
  // Buffers the kernel can fill once Publish() ran.
  uint32_t available() const { return count_ - held_; }

 private:
  BufferRing() = default;

  Ring* ring_ = nullptr;
  io_uring_buf_ring* br_ = nullptr;
  size_t ring_bytes_ = 0;
  char* buffers_ = nullptr;
  size_t buffers_bytes_ = 0;
  uint16_t group_id_ = 0;
  uint32_t count_ = 0;
  uint32_t buffer_size_ = 0;
  int mask_ = 0;
  int pending_ = 0;  // recycled since the last Publish()
  uint32_t held_ = 0;
  bool registered_ = false;
};

}  // namespace jwtgate::io

#endif  // JWTGATE_IO_BUFFER_RING_H_
