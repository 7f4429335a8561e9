// File: jwtgate/ops/notifier.h
//
// systemd readiness and watchdog (sd_notify through libsystemd). Without
// NOTIFY_SOCKET every call is a no-op. Implemented in src/ops/notifier.cc.
#ifndef JWTGATE_OPS_NOTIFIER_H_
#define JWTGATE_OPS_NOTIFIER_H_

#include <cstdint>
#include <functional>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "jwtgate/common/clock.h"

namespace jwtgate::ops {

class MetricsRegistry;

// Sends READY=1 / RELOADING=1 / STOPPING=1 / STATUS= and runs the watchdog
// thread. Owned by the gateway runner; its methods are called from the
// control thread only. The watchdog thread reads shard heartbeats
// (MetricsRegistry::OldestHeartbeatMs) and nothing else.
class Notifier {
 public:
  struct Options {
    // Watchdog interval; 0 = from sd_watchdog_enabled() (WATCHDOG_USEC).
    int64_t watchdog_usec = 0;
    // A shard whose last Beat() is older than this stops the pings;
    // 0 = half the watchdog interval.
    int64_t stale_after_ms = 0;
    const Clock* clock = &SystemClock::Get();
  };

  Notifier() : Notifier(Options{}) {}
  explicit Notifier(const Options& options);
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;
  ~Notifier();  // stops the watchdog

  // True when NOTIFY_SOCKET is set.
  bool enabled() const { return enabled_; }
  // Watchdog interval in microseconds, 0 when systemd asked for none.
  int64_t watchdog_usec() const { return watchdog_usec_; }
  // How recent every shard's heartbeat must be for a ping; 0 without a
  // watchdog.
  int64_t stale_after_ms() const {
    return watchdog_usec_ > 0 ? stale_after_ms_ : 0;
  }

  // READY=1 with STATUS=`status`: after every shard listens, and after a
  // reload (whatever its outcome).
  void Ready(std::string_view status);
  // RELOADING=1 with MONOTONIC_USEC=now (CLOCK_MONOTONIC), before a reload.
  void Reloading();
  // STOPPING=1 with STATUS=`status`, when draining starts.
  void Stopping(std::string_view status);
  void Status(std::string_view status);

  // Starts the thread sending WATCHDOG=1 every half interval while
  // `registry`'s shards all beat within stale_after_ms. No-op without a
  // watchdog interval. `registry` must outlive StopWatchdog().
  void StartWatchdog(const MetricsRegistry* registry);
  void StopWatchdog();

  // Pings sent so far (for tests and logs).
  uint64_t pings_sent() const;

 private:
  void Send(std::string_view message);
  void WatchdogLoop(const MetricsRegistry* registry);

  bool enabled_ = false;
  int64_t watchdog_usec_ = 0;
  int64_t stale_after_ms_ = 0;
  const Clock* clock_;
  std::thread watchdog_;

  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t pings_ ABSL_GUARDED_BY(mu_) = 0;
  bool stale_logged_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace jwtgate::ops

#endif  // JWTGATE_OPS_NOTIFIER_H_
