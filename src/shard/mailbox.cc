// Mailbox: mutex-guarded queue plus eventfd wake-up.
#include "shard/mailbox.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace jwtgate {

absl::StatusOr<std::unique_ptr<Mailbox>> Mailbox::Create() {
  UniqueFd fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!fd.valid()) {
    return absl::InternalError(absl::StrCat("eventfd: ", std::strerror(errno)));
  }
  return std::unique_ptr<Mailbox>(new Mailbox(std::move(fd)));
}

void Mailbox::Post(ShardMessage message) {
  {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(message));
  }
  const uint64_t one = 1;
  // EAGAIN (counter saturated) still leaves the eventfd readable.
  ssize_t unused = ::write(fd_.get(), &one, sizeof(one));
  (void)unused;
}

std::vector<ShardMessage> Mailbox::Take() {
  std::vector<ShardMessage> out;
  absl::MutexLock lock(&mu_);
  out.swap(queue_);
  return out;
}

}  // namespace jwtgate
