// Refresh, backoff and early-refetch timing of one remote key source.
#include "jwks/fetch_schedule.h"

#include <algorithm>

namespace jwtgate::jwks {
namespace {

SteadyTime Plus(SteadyTime t, absl::Duration d) {
  return t + absl::ToChronoNanoseconds(d);
}

}  // namespace

absl::Duration BackoffDelay(const ScheduleLimits& limits, int failures,
                            double unit_random) {
  const absl::Duration cap = std::min(limits.backoff_max, limits.refresh);
  absl::Duration d = limits.backoff_initial;
  for (int i = 1; i < failures && d < cap; ++i) d *= 2;
  d = std::min(d, cap);
  unit_random = std::clamp(unit_random, 0.0, 1.0);
  return d * (0.5 + 0.5 * unit_random);
}

absl::Duration RefreshDelay(const ScheduleLimits& limits,
                            std::optional<int64_t> max_age_seconds) {
  const absl::Duration wanted = max_age_seconds.has_value()
                                    ? absl::Seconds(*max_age_seconds)
                                    : limits.refresh;
  return std::clamp(wanted, limits.min_refetch, limits.refresh);
}

SteadyTime FetchSchedule::NextDue(bool refetch_requested) const {
  if (!refetch_requested) return next_fetch_;
  const SteadyTime early = last_start_.has_value()
                               ? Plus(*last_start_, limits_.min_refetch)
                               : SteadyTime::min();
  return std::min(next_fetch_, early);
}

void FetchSchedule::OnSuccess(SteadyTime now,
                              std::optional<int64_t> max_age_seconds) {
  failures_ = 0;
  next_fetch_ = Plus(now, RefreshDelay(limits_, max_age_seconds));
}

absl::Duration FetchSchedule::OnFailure(SteadyTime now, double unit_random) {
  ++failures_;
  const absl::Duration delay = BackoffDelay(limits_, failures_, unit_random);
  next_fetch_ = Plus(now, delay);
  return delay;
}

}  // namespace jwtgate::jwks
