// File: jwtgate/io/pipe_pool.h
//
// A shard's pipes for splicing bodies socket -> pipe -> socket (HAProxy's
// pipe-pool rule): pipes are made on demand up to a bound, lent to one
// transfer at a time, and taken back only when empty; a pipe that may
// still hold bytes is closed instead, so no transfer ever sees another's
// data. Pipes are non-blocking and close-on-exec, resized to `pipe_bytes`
// when the kernel allows (fs.pipe-max-size), else left at the default.
//
// Owned by one shard; not thread-safe.
#ifndef JWTGATE_IO_PIPE_POOL_H_
#define JWTGATE_IO_PIPE_POOL_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "jwtgate/common/unique_fd.h"

namespace jwtgate::io {

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
  uint32_t capacity = 0;  // bytes the pipe holds (F_GETPIPE_SZ)
};

class PipePool {
 public:
  // At most `max_pipes` pipes exist at once (lent plus pooled).
  PipePool(uint32_t max_pipes, uint32_t pipe_bytes)
      : max_pipes_(max_pipes), pipe_bytes_(pipe_bytes) {}
  PipePool(const PipePool&) = delete;
  PipePool& operator=(const PipePool&) = delete;

  // A pooled pipe, or a new one; nullptr at the bound or when pipe(2)
  // fails (the caller copies instead).
  std::unique_ptr<Pipe> Get();
  // Takes `pipe` back: pooled when `empty`, closed otherwise.
  void Put(std::unique_ptr<Pipe> pipe, bool empty);

  uint32_t lent() const { return lent_; }
  size_t pooled() const { return free_.size(); }

 private:
  const uint32_t max_pipes_;
  const uint32_t pipe_bytes_;
  uint32_t lent_ = 0;
  std::vector<std::unique_ptr<Pipe>> free_;
};

}  // namespace jwtgate::io

#endif  // JWTGATE_IO_PIPE_POOL_H_
