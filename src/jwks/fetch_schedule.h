// File: src/jwks/fetch_schedule.h
//
// When a remote key source is fetched next: the regular refresh (bounded
// by Cache-Control max-age), the retry backoff after failures, and early
// refetches on request, no closer than min_refetch. Pure arithmetic over
// steady-clock times, so it is tested without threads or sleeps. Private to
// src/jwks.
//
// Thread rule: FetchSchedule belongs to the fetcher thread.
#ifndef JWTGATE_SRC_JWKS_FETCH_SCHEDULE_H_
#define JWTGATE_SRC_JWKS_FETCH_SCHEDULE_H_

#include <chrono>
#include <cstdint>
#include <optional>

#include "absl/time/time.h"

namespace jwtgate::jwks {

using SteadyTime = std::chrono::steady_clock::time_point;

struct ScheduleLimits {
  absl::Duration refresh;
  absl::Duration min_refetch;
  absl::Duration backoff_initial;
  absl::Duration backoff_max;
};

// Delay before retry number `failures` (>= 1): backoff_initial doubled per
// earlier failure, capped at min(backoff_max, refresh), then scaled by
// (0.5 + 0.5 * unit_random) with unit_random in [0, 1].
absl::Duration BackoffDelay(const ScheduleLimits& limits, int failures,
                            double unit_random);

// Delay until the next regular refresh after a success: max-age when the
// response had one, else refresh; clamped to [min_refetch, refresh].
absl::Duration RefreshDelay(const ScheduleLimits& limits,
                            std::optional<int64_t> max_age_seconds);

class FetchSchedule {
 public:
  explicit FetchSchedule(const ScheduleLimits& limits) : limits_(limits) {}

  // The first fetch is due at once.
  void Begin(SteadyTime now) { next_fetch_ = now; }
  // When the next fetch is due; `refetch_requested` moves it earlier, to
  // the previous start + min_refetch.
  SteadyTime NextDue(bool refetch_requested) const;

  void OnStart(SteadyTime now) { last_start_ = now; }
  void OnSuccess(SteadyTime now, std::optional<int64_t> max_age_seconds);
  // Returns the delay chosen for the retry.
  absl::Duration OnFailure(SteadyTime now, double unit_random);

  int failures() const { return failures_; }

 private:
  ScheduleLimits limits_;
  SteadyTime next_fetch_ = SteadyTime::max();
  std::optional<SteadyTime> last_start_;
  int failures_ = 0;
};

}  // namespace jwtgate::jwks

#endif  // JWTGATE_SRC_JWKS_FETCH_SCHEDULE_H_
