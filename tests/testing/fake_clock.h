// File: tests/testing/fake_clock.h
//
// A Clock whose time only moves when a test says so. Thread-safe (atomics),
// so a test thread may advance it while a server thread reads it.
#ifndef JWTGATE_TESTS_TESTING_FAKE_CLOCK_H_
#define JWTGATE_TESTS_TESTING_FAKE_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "jwtgate/common/clock.h"

namespace jwtgate::testing {

class FakeClock final : public Clock {
 public:
  // Default: 2023-11-14T22:13:20Z, a fixed, realistic Unix time.
  static constexpr int64_t kDefaultUnixSeconds = 1'700'000'000;

  explicit FakeClock(int64_t unix_seconds = kDefaultUnixSeconds,
                     int64_t monotonic_millis = 0)
      : unix_millis_(unix_seconds * 1000),
        monotonic_millis_(monotonic_millis) {}

  int64_t UnixSeconds() const override { return unix_millis_.load() / 1000; }
  int64_t MonotonicMillis() const override { return monotonic_millis_.load(); }

  // Sets wall time (whole seconds); monotonic time is unaffected.
  void SetUnixSeconds(int64_t s) { unix_millis_.store(s * 1000); }
  // Moves wall and monotonic time forward together.
  void AdvanceSeconds(int64_t s) { AdvanceMillis(s * 1000); }
  void AdvanceMillis(int64_t ms) {
    unix_millis_ += ms;
    monotonic_millis_ += ms;
  }

 private:
  std::atomic<int64_t> unix_millis_;
  std::atomic<int64_t> monotonic_millis_;
};

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_TESTING_FAKE_CLOCK_H_
