// File: jwtgate/common/clock.h
//
// Time source. Production code reads SystemClock; tests inject a FakeClock
// (tests/testing/fake_clock.h). Hot paths take "now" as a plain argument that
// the shard loop reads once per iteration.
#ifndef JWTGATE_COMMON_CLOCK_H_
#define JWTGATE_COMMON_CLOCK_H_

#include <cstdint>
#include <ctime>

namespace jwtgate {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch (for JWT exp/nbf/iat).
  virtual int64_t UnixSeconds() const = 0;
  // Monotonic milliseconds (for timeouts); arbitrary origin.
  virtual int64_t MonotonicMillis() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t UnixSeconds() const override {
    timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return ts.tv_sec;
  }
  int64_t MonotonicMillis() const override {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
  }
  static const SystemClock& Get() {
    static const SystemClock clock;  // trivially destructible
    return clock;
  }
};

}  // namespace jwtgate

#endif  // JWTGATE_COMMON_CLOCK_H_
