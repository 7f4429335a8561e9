// Send queue bookkeeping.
#include "shard/send_queue.h"

#include <sys/socket.h>

namespace jwtgate {

std::string* SendQueue::NewString() {
  if (free_strings_.empty()) {
    strings_.push_back(std::make_unique<std::string>());
    return strings_.back().get();
  }
  std::string* s = free_strings_.back();
  free_strings_.pop_back();
  return s;
}

bool SendQueue::Push(const Item& it) {
  if (count_ >= kMaxItems) return false;
  items_[(head_ + count_) % kMaxItems] = it;
  ++count_;
  queued_bytes_ += it.len;
  return true;
}

bool SendQueue::PushOwned(std::string* s) {
  if (Push(Item{s->data(), static_cast<uint32_t>(s->size()), -1, s})) {
    return true;
  }
  ReturnString(s);
  return false;
}

bool SendQueue::PushBorrowed(const char* data, uint32_t len) {
  return Push(Item{data, len, -1, nullptr});
}

bool SendQueue::PushBuffer(uint16_t bid, const char* data, uint32_t len) {
  if (!Push(Item{data, len, bid, nullptr})) return false;
  ++buffers_;
  return true;
}

void SendQueue::PrepareSend(io_uring_sqe* sqe, int fd) {
  int n = 0;
  for (int i = 0; i < count_ && n < kMaxIov; ++i) {
    const Item& it = items_[(head_ + i) % kMaxItems];
    iov_[n].iov_base = const_cast<char*>(it.data);
    iov_[n].iov_len = it.len;
    ++n;
  }
  in_flight_ = true;
  in_flight_items_ = n;
  if (n == 1) {
    io_uring_prep_send(sqe, fd, iov_[0].iov_base, iov_[0].iov_len,
                       MSG_NOSIGNAL);
    return;
  }
  msg_ = msghdr{};
  msg_.msg_iov = iov_;
  msg_.msg_iovlen = static_cast<size_t>(n);
  io_uring_prep_sendmsg(sqe, fd, &msg_, MSG_NOSIGNAL);
}

}  // namespace jwtgate
