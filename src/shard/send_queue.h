// File: src/shard/send_queue.h
//
// The ordered bytes waiting to go out on one socket, sent one sendmsg at a
// time (one send in flight per socket keeps the order). An item is a
// borrowed span (owner keeps it alive), an owned string from the queue's
// own free list (heads, answers), or a provided buffer lent by a recv
// (recycled when its bytes are sent, never earlier: the kernel may still
// read it). Bounded: at most kMaxItems items; a Push* on a full queue
// returns false and the caller closes the connection.
//
// Owned by one connection of one shard; not thread-safe.
#ifndef JWTGATE_SHARD_SEND_QUEUE_H_
#define JWTGATE_SHARD_SEND_QUEUE_H_

#include <liburing.h>
#include <sys/uio.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace jwtgate {

class SendQueue {
 public:
  static constexpr int kMaxItems = 128;
  static constexpr int kMaxIov = 8;

  SendQueue() = default;
  SendQueue(const SendQueue&) = delete;
  SendQueue& operator=(const SendQueue&) = delete;

  // An empty string to fill and then Push; reuses capacity.
  std::string* NewString();
  [[nodiscard]] bool PushOwned(std::string* s);
  [[nodiscard]] bool PushBorrowed(const char* data, uint32_t len);
  [[nodiscard]] bool PushBuffer(uint16_t bid, const char* data, uint32_t len);
  // Returns an unused NewString() to the free list.
  void ReturnString(std::string* s) {
    s->clear();
    free_strings_.push_back(s);
  }

  bool empty() const { return count_ == 0; }
  bool full() const { return count_ >= kMaxItems; }
  bool in_flight() const { return in_flight_; }
  // Provided buffers held (queued or in flight).
  int buffers() const { return buffers_; }
  uint64_t queued_bytes() const { return queued_bytes_; }

  // Fills `sqe` with a sendmsg of the leading items (MSG_NOSIGNAL) and
  // marks it in flight. REQUIRES: !empty() && !in_flight().
  void PrepareSend(io_uring_sqe* sqe, int fd);

  // Accounts a send completion of `res` bytes (< 0: error; the in-flight
  // items are then dropped). Calls recycle(bid) for each fully sent or
  // dropped buffer. Returns the bytes sent (0 on error).
  template <typename Recycle>
  uint32_t Complete(int res, Recycle&& recycle) {
    in_flight_ = false;
    if (res < 0) {
      DropInFlight(recycle);
      return 0;
    }
    uint32_t left = static_cast<uint32_t>(res);
    while (left > 0 && count_ > 0) {
      Item& it = items_[head_];
      const uint32_t take = left < it.len ? left : it.len;
      it.data += take;
      it.len -= take;
      left -= take;
      queued_bytes_ -= take;
      if (it.len == 0) PopFront(recycle);
    }
    // Zero-length leftovers (a Push of nothing) are dropped too.
    while (count_ > 0 && items_[head_].len == 0) PopFront(recycle);
    in_flight_items_ = 0;
    return static_cast<uint32_t>(res);
  }

  // Drops every item not in flight (connection closing). In-flight items
  // stay until Complete().
  template <typename Recycle>
  void DropQueued(Recycle&& recycle) {
    const int keep = in_flight_ ? in_flight_items_ : 0;
    while (count_ > keep) PopBack(recycle);
  }

 private:
  struct Item {
    const char* data = nullptr;
    uint32_t len = 0;
    int32_t bid = -1;              // provided buffer, or -1
    std::string* owned = nullptr;  // from strings_, or nullptr
  };
  template <typename Recycle>
  void Release(Item& it, Recycle& recycle) {
    if (it.bid >= 0) {
      recycle(static_cast<uint16_t>(it.bid));
      --buffers_;
    }
    if (it.owned != nullptr) {
      it.owned->clear();
      free_strings_.push_back(it.owned);
    }
    queued_bytes_ -= it.len;
    it = Item{};
  }
  template <typename Recycle>
  void PopFront(Recycle& recycle) {
    Release(items_[head_], recycle);
    head_ = (head_ + 1) % kMaxItems;
    --count_;
    if (in_flight_items_ > 0) --in_flight_items_;
  }
  template <typename Recycle>
  void PopBack(Recycle& recycle) {
    const int tail = (head_ + count_ - 1) % kMaxItems;
    Release(items_[tail], recycle);
    --count_;
  }
  template <typename Recycle>
  void DropInFlight(Recycle& recycle) {
    const int n = in_flight_items_;
    for (int i = 0; i < n && count_ > 0; ++i) PopFront(recycle);
    in_flight_items_ = 0;
  }
  bool Push(const Item& it);

  std::array<Item, kMaxItems> items_{};
  int head_ = 0;
  int count_ = 0;
  int buffers_ = 0;
  uint64_t queued_bytes_ = 0;
  bool in_flight_ = false;
  int in_flight_items_ = 0;
  iovec iov_[kMaxIov]{};
  msghdr msg_{};
  std::vector<std::unique_ptr<std::string>> strings_;  // all ever made
  std::vector<std::string*> free_strings_;
};

}  // namespace jwtgate

#endif  // JWTGATE_SHARD_SEND_QUEUE_H_
