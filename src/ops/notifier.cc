// Notifier: sd_notify messages and the watchdog thread.
#include "jwtgate/ops/notifier.h"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "jwtgate/common/log.h"
#include "jwtgate/ops/metrics.h"

namespace jwtgate::ops {
namespace {

uint64_t MonotonicUsec() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000u + uint64_t(ts.tv_nsec) / 1000u;
}

// STATUS= takes one line: newlines would start a new assignment.
std::string OneLine(std::string_view status) {
  std::string out(status);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

}  // namespace

Notifier::Notifier(const Options& options) : clock_(options.clock) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && socket[0] != '\0';
  uint64_t usec = 0;
  if (options.watchdog_usec > 0) {
    watchdog_usec_ = options.watchdog_usec;
  } else if (sd_watchdog_enabled(/*unset_environment=*/0, &usec) > 0) {
    watchdog_usec_ = static_cast<int64_t>(usec);
  }
  stale_after_ms_ = options.stale_after_ms > 0 ? options.stale_after_ms
                                               : watchdog_usec_ / 2000;
}

Notifier::~Notifier() { StopWatchdog(); }

void Notifier::Send(std::string_view message) {
  if (!enabled_) return;
  const std::string text(message);
  const int r = sd_notify(/*unset_environment=*/0, text.c_str());
  if (r < 0) {
    Logf(LogLevel::kWarn, "sd_notify failed: %s", std::strerror(-r));
  }
}

void Notifier::Ready(std::string_view status) {
  Send(absl::StrCat("READY=1\nSTATUS=", OneLine(status)));
}

void Notifier::Reloading() {
  Send(absl::StrCat("RELOADING=1\nMONOTONIC_USEC=", MonotonicUsec(),
                    "\nSTATUS=reloading configuration"));
}

void Notifier::Stopping(std::string_view status) {
  Send(absl::StrCat("STOPPING=1\nSTATUS=", OneLine(status)));
}

void Notifier::Status(std::string_view status) {
  Send(absl::StrCat("STATUS=", OneLine(status)));
}

void Notifier::StartWatchdog(const MetricsRegistry* registry) {
  if (!enabled_ || watchdog_usec_ <= 0 || watchdog_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stop_ = false;
  }
  watchdog_ = std::thread([this, registry] { WatchdogLoop(registry); });
}

void Notifier::StopWatchdog() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (watchdog_.joinable()) watchdog_.join();
}

uint64_t Notifier::pings_sent() const {
  absl::MutexLock lock(&mu_);
  return pings_;
}

void Notifier::WatchdogLoop(const MetricsRegistry* registry) {
  const absl::Duration period = absl::Microseconds(watchdog_usec_ / 2);
  const int64_t started_ms = clock_->MonotonicMillis();
  absl::MutexLock lock(&mu_);
  while (!stop_) {
    // Every shard must have turned its loop recently: a shard stuck in a
    // busy loop or a blocking call stops the pings, and systemd restarts us.
    const int64_t now = clock_->MonotonicMillis();
    const int64_t oldest = registry->OldestHeartbeatMs();
    const int64_t age = now - oldest;
    // A shard that has not beaten yet is only late once it had the time.
    const bool starting = oldest == 0 && now - started_ms <= stale_after_ms_;
    if (oldest > 0 && age <= stale_after_ms_) {
      Send("WATCHDOG=1");
      ++pings_;
      stale_logged_ = false;
    } else if (!starting && !stale_logged_) {
      stale_logged_ = true;
      Logf(LogLevel::kError,
           "watchdog: a shard loop has not turned for over %d ms; "
           "withholding WATCHDOG=1",
           static_cast<int>(stale_after_ms_));
    }
    mu_.AwaitWithTimeout(absl::Condition(&stop_), period);
  }
}

}  // namespace jwtgate::ops
