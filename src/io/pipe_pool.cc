// PipePool: on-demand, bounded, empty-only reuse.
#include "jwtgate/io/pipe_pool.h"

#include <fcntl.h>
#include <unistd.h>

namespace jwtgate::io {

std::unique_ptr<Pipe> PipePool::Get() {
  if (!free_.empty()) {
    std::unique_ptr<Pipe> p = std::move(free_.back());
    free_.pop_back();
    ++lent_;
    return p;
  }
  if (lent_ >= max_pipes_) return nullptr;
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return nullptr;
  auto p = std::make_unique<Pipe>();
  p->read_end = UniqueFd(fds[0]);
  p->write_end = UniqueFd(fds[1]);
  // Over fs.pipe-max-size or the per-user page budget this fails and the
  // pipe keeps its default size: still correct, only more splice calls.
  ::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(pipe_bytes_));
  const int size = ::fcntl(fds[1], F_GETPIPE_SZ);
  p->capacity = size > 0 ? static_cast<uint32_t>(size) : 4096;
  ++lent_;
  return p;
}

void PipePool::Put(std::unique_ptr<Pipe> pipe, bool empty) {
  if (pipe == nullptr) return;
  --lent_;
  if (empty) free_.push_back(std::move(pipe));
}

}  // namespace jwtgate::io
