// File: jwtgate/ops/access_log.h
//
// The access log of SPEC §5: one JSON object a line. Shards append to their
// own ShardAccessLog buffer (no syscall, no lock per line) and hand full or
// aged buffers to one writer thread through a single-slot handover; when the
// writer falls behind, lines are dropped and counted, never waited for.
// Implemented in src/ops/access_log.cc and src/ops/access_log_line.cc.
#ifndef JWTGATE_OPS_ACCESS_LOG_H_
#define JWTGATE_OPS_ACCESS_LOG_H_

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "jwtgate/common/unique_fd.h"
#include "jwtgate/jwt/auth_result.h"
#include "jwtgate/route/snapshot.h"

namespace jwtgate::ops {

// One access-log line. Views need only live for the Append() call. The
// token is never a field; the query string of `path` is not logged.
struct AccessRecord {
  int64_t unix_ms = 0;               // request start, wall clock
  const sockaddr* client = nullptr;  // peer; logged as address only
  std::string_view method;
  std::string_view path;   // normalised path (anything from '?' is cut)
  std::string_view route;  // route name, "" when none matched
  int status = 0;
  uint64_t bytes_in = 0;      // request bytes read from the client
  uint64_t bytes_out = 0;     // response bytes sent to the client
  std::string_view upstream;  // "ip:port" of the server used, "" if none
  int64_t upstream_ms = -1;   // -1: no upstream exchange (logged as null)
  int64_t total_ms = 0;
  std::string_view sub;       // token subject, "" if none (logged as null)
  bool auth_checked = false;  // false: auth "none" (auth off / no route)
  jwt::AuthResult auth_result = jwt::AuthResult::kOk;
};

// Appends the JSON line for `record` (with trailing '\n') to `out`.
// `shard` is the shard index.
void FormatAccessRecord(const AccessRecord& record, int shard,
                        std::string* out);

// JSON string body escaping: '"', '\\', control characters and DEL as
// escapes; invalid UTF-8 bytes as \u00XX. Appends to `out`.
void AppendJsonEscaped(std::string_view in, std::string* out);

class AccessLog;

// The buffer of one shard. Owned by the AccessLog; used only by its shard's
// thread (Append, Tick); the writer thread takes handed-over batches.
class ShardAccessLog {
 public:
  ShardAccessLog(AccessLog* log, int shard_index);
  ShardAccessLog(const ShardAccessLog&) = delete;
  ShardAccessLog& operator=(const ShardAccessLog&) = delete;

  // False when the log is off: the shard may skip building the record.
  bool enabled() const;
  // Formats and buffers one line; counts it as dropped if the buffer is at
  // its bound and the writer has not taken the previous batch.
  void Append(const AccessRecord& record);
  // Call once per loop iteration: hands the buffer to the writer when it is
  // large or older than the flush interval.
  void Tick(int64_t monotonic_ms);

  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  friend class AccessLog;
  void HandOver(int64_t monotonic_ms);

  AccessLog* const log_;
  const int shard_index_;
  std::string active_;                // shard thread only
  int64_t last_handover_ms_ = 0;      // shard thread only
  std::atomic<uint64_t> dropped_{0};  // single writer: the shard
  // Single-slot handover: the shard fills `pending_` while `full_` is false
  // and then sets it (release); the writer drains it and clears it.
  alignas(64) std::atomic<bool> full_{false};
  std::string pending_;
};

// The process's access log: target (off | stderr | file), per-shard
// buffers, and the writer thread. Created by the gateway runner before the
// shards start; destroyed after they stop (the destructor writes what is
// left). Target changes and Reopen() come from the control thread.
class AccessLog {
 public:
  enum class Target { kOff, kStderr, kFile };
  struct Options {
    Target target = Target::kStderr;
    std::string path;  // for kFile (opened O_APPEND|O_CREAT)
    int shard_count = 1;
    size_t max_buffer_bytes = 4 << 20;  // per shard, before lines drop
    size_t handover_bytes = 64 << 10;   // hand over at this size ...
    int64_t flush_interval_ms = 100;    // ... or at this age
  };

  static absl::StatusOr<std::unique_ptr<AccessLog>> Create(
      const Options& options);
  // Convenience: the options of a Snapshot's [gateway] section.
  static Options OptionsFor(const GatewaySettings& gateway, int shard_count);
  ~AccessLog();

  ShardAccessLog& shard(int i) { return *shards_[i]; }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }

  // SIGHUP log rotation: reopens the file by its path (a renamed file keeps
  // what was written; new lines go to a new file at the path).
  absl::Status Reopen();
  // Reload with a changed `access_log` setting. On error the old target
  // stays.
  absl::Status Retarget(Target target, const std::string& path);

  // Lines dropped over all shards.
  uint64_t dropped_lines() const;
  // Blocks until every batch handed over so far is written (tests, drain).
  void Flush();

 private:
  friend class ShardAccessLog;
  explicit AccessLog(const Options& options);
  void Wake();
  void WriterLoop();
  bool DrainOnce() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  void WriteAll(std::string_view data) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  const Options options_;
  std::atomic<bool> enabled_{false};
  std::vector<std::unique_ptr<ShardAccessLog>> shards_;
  UniqueFd wake_fd_;  // eventfd: shard -> writer
  std::atomic<bool> stop_{false};
  std::thread writer_;

  // Held by the writer while writing and by Reopen/Retarget/Flush.
  absl::Mutex write_mu_;
  Target target_ ABSL_GUARDED_BY(write_mu_);
  std::string path_ ABSL_GUARDED_BY(write_mu_);
  UniqueFd file_ ABSL_GUARDED_BY(write_mu_);
};

}  // namespace jwtgate::ops

#endif  // JWTGATE_OPS_ACCESS_LOG_H_
