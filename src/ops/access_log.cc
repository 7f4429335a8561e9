// AccessLog: per-shard line buffers handed to one writer thread.
//
// Handover protocol (one producer, one consumer per shard): the shard owns
// `active_`; when `full_` is false it owns `pending_` too, swaps the two
// buffers and publishes with full_=true (release). The writer, seeing
// full_=true (acquire), owns `pending_` until it stores full_=false
// (release). No lock and no syscall per line; one eventfd write per batch.
#include "jwtgate/ops/access_log.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "jwtgate/common/log.h"

namespace jwtgate::ops {
namespace {

absl::StatusOr<UniqueFd> OpenLogFile(const std::string& path) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("access_log: cannot open ", path,
                                               ": ", std::strerror(errno)));
  }
  return UniqueFd(fd);
}

}  // namespace

// --- ShardAccessLog ---------------------------------------------------------

ShardAccessLog::ShardAccessLog(AccessLog* log, int shard_index)
    : log_(log), shard_index_(shard_index) {}

bool ShardAccessLog::enabled() const { return log_->enabled(); }

void ShardAccessLog::Append(const AccessRecord& record) {
  if (!log_->enabled()) return;
  if (active_.size() >= log_->options_.max_buffer_bytes) {
    HandOver(last_handover_ms_);
    if (active_.size() >= log_->options_.max_buffer_bytes) {
      dropped_.store(dropped_.load(std::memory_order_relaxed) + 1,
                     std::memory_order_relaxed);
      return;
    }
  }
  FormatAccessRecord(record, shard_index_, &active_);
  if (active_.size() >= log_->options_.handover_bytes) {
    HandOver(last_handover_ms_);
  }
}

void ShardAccessLog::Tick(int64_t monotonic_ms) {
  if (active_.empty()) {
    last_handover_ms_ = monotonic_ms;
    return;
  }
  if (monotonic_ms - last_handover_ms_ >= log_->options_.flush_interval_ms) {
    HandOver(monotonic_ms);
  }
}

void ShardAccessLog::HandOver(int64_t monotonic_ms) {
  if (full_.load(std::memory_order_acquire)) return;  // writer still busy
  pending_.swap(active_);
  active_.clear();
  full_.store(true, std::memory_order_release);
  last_handover_ms_ = monotonic_ms;
  log_->Wake();
}

// --- AccessLog --------------------------------------------------------------

AccessLog::Options AccessLog::OptionsFor(const GatewaySettings& gateway,
                                         int shard_count) {
  Options o;
  switch (gateway.access_log) {
    case GatewaySettings::AccessLog::kOff:
      o.target = Target::kOff;
      break;
    case GatewaySettings::AccessLog::kStderr:
      o.target = Target::kStderr;
      break;
    case GatewaySettings::AccessLog::kFile:
      o.target = Target::kFile;
      break;
  }
  o.path = gateway.access_log_path;
  o.shard_count = shard_count;
  return o;
}

AccessLog::AccessLog(const Options& options) : options_(options) {}

absl::StatusOr<std::unique_ptr<AccessLog>> AccessLog::Create(
    const Options& options) {
  UniqueFd file;
  if (options.target == Target::kFile) {
    auto opened = OpenLogFile(options.path);
    if (!opened.ok()) return opened.status();
    file = std::move(*opened);
  }
  const int efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0) {
    return absl::InternalError(
        absl::StrCat("access_log: eventfd: ", std::strerror(errno)));
  }
  std::unique_ptr<AccessLog> log(new AccessLog(options));
  log->wake_fd_.Reset(efd);
  {
    absl::MutexLock lock(&log->write_mu_);
    log->target_ = options.target;
    log->path_ = options.path;
    log->file_ = std::move(file);
  }
  log->enabled_.store(options.target != Target::kOff,
                      std::memory_order_relaxed);
  for (int i = 0; i < std::max(options.shard_count, 1); ++i) {
    log->shards_.push_back(std::make_unique<ShardAccessLog>(log.get(), i));
  }
  log->writer_ = std::thread([raw = log.get()] { raw->WriterLoop(); });
  return log;
}

AccessLog::~AccessLog() {
  stop_.store(true, std::memory_order_release);
  Wake();
  if (writer_.joinable()) writer_.join();
  // The shards have stopped: write their last lines too.
  absl::MutexLock lock(&write_mu_);
  DrainOnce();
  for (auto& shard : shards_) {
    if (target_ != Target::kOff) WriteAll(shard->active_);
    shard->active_.clear();
  }
}

void AccessLog::Wake() {
  const uint64_t one = 1;
  ssize_t unused = ::write(wake_fd_.get(), &one, sizeof(one));
  (void)unused;  // EAGAIN only when the counter is saturated: already woken
}

void AccessLog::WriterLoop() {
  pollfd pfd{wake_fd_.get(), POLLIN, 0};
  while (!stop_.load(std::memory_order_acquire)) {
    // The timeout is a backstop; batches arrive with a wake-up.
    ::poll(&pfd, 1, 1000);
    uint64_t count;
    ssize_t unused = ::read(wake_fd_.get(), &count, sizeof(count));
    (void)unused;
    absl::MutexLock lock(&write_mu_);
    while (DrainOnce()) {
    }
  }
}

bool AccessLog::DrainOnce() {
  bool any = false;
  for (auto& shard : shards_) {
    if (!shard->full_.load(std::memory_order_acquire)) continue;
    if (target_ != Target::kOff) WriteAll(shard->pending_);
    shard->pending_.clear();
    shard->full_.store(false, std::memory_order_release);
    any = true;
  }
  return any;
}

void AccessLog::WriteAll(std::string_view data) {
  const int fd = target_ == Target::kFile ? file_.get() : STDERR_FILENO;
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Logf(LogLevel::kWarn, "access_log: write failed: %s",
           std::strerror(errno));
      return;  // the batch is lost; the shards are never blocked on it
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

absl::Status AccessLog::Reopen() {
  absl::MutexLock lock(&write_mu_);
  if (target_ != Target::kFile) return absl::OkStatus();
  auto opened = OpenLogFile(path_);
  if (!opened.ok()) return opened.status();
  file_ = std::move(*opened);
  return absl::OkStatus();
}

absl::Status AccessLog::Retarget(Target target, const std::string& path) {
  absl::MutexLock lock(&write_mu_);
  UniqueFd file;
  if (target == Target::kFile) {
    auto opened = OpenLogFile(path);
    if (!opened.ok()) return opened.status();
    file = std::move(*opened);
  }
  DrainOnce();  // batches already handed over go to the old target
  target_ = target;
  path_ = path;
  file_ = std::move(file);
  enabled_.store(target != Target::kOff, std::memory_order_relaxed);
  return absl::OkStatus();
}

uint64_t AccessLog::dropped_lines() const {
  uint64_t total = 0;
  for (const auto& shard : shards_) total += shard->dropped();
  return total;
}

void AccessLog::Flush() {
  absl::MutexLock lock(&write_mu_);
  while (DrainOnce()) {
  }
}

}  // namespace jwtgate::ops
