// File: jwtgate/common/unique_fd.h
//
// Owning file descriptor: closes on destruction, move-only.
#ifndef JWTGATE_COMMON_UNIQUE_FD_H_
#define JWTGATE_COMMON_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace jwtgate {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) Reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace jwtgate

#endif  // JWTGATE_COMMON_UNIQUE_FD_H_
