#include "jwks/fetch_schedule.h"

#include "gtest/gtest.h"

namespace jwtgate::jwks {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

ScheduleLimits Limits() {
  return ScheduleLimits{absl::Minutes(10), absl::Seconds(30), absl::Seconds(1),
                        absl::Minutes(1)};
}

TEST(BackoffTest, DoublesUpToTheCapWithJitter) {
  const ScheduleLimits l = Limits();
  EXPECT_EQ(BackoffDelay(l, 1, 1.0), absl::Seconds(1));
  EXPECT_EQ(BackoffDelay(l, 2, 1.0), absl::Seconds(2));
  EXPECT_EQ(BackoffDelay(l, 3, 1.0), absl::Seconds(4));
  EXPECT_EQ(BackoffDelay(l, 7, 1.0), absl::Seconds(60));     // 64 → cap 60
  EXPECT_EQ(BackoffDelay(l, 1000, 1.0), absl::Seconds(60));  // no overflow
  EXPECT_EQ(BackoffDelay(l, 3, 0.0), absl::Seconds(2));      // jitter floor d/2
  EXPECT_EQ(BackoffDelay(l, 3, 0.5), absl::Seconds(3));
}

TEST(BackoffTest, NeverWaitsLongerThanTheRefresh) {
  ScheduleLimits l = Limits();
  l.refresh = absl::Seconds(20);
  EXPECT_EQ(BackoffDelay(l, 10, 1.0), absl::Seconds(20));
}

TEST(RefreshDelayTest, MaxAgeHonouredWithinBounds) {
  const ScheduleLimits l = Limits();
  EXPECT_EQ(RefreshDelay(l, std::nullopt), absl::Minutes(10));
  EXPECT_EQ(RefreshDelay(l, 120), absl::Seconds(120));
  EXPECT_EQ(RefreshDelay(l, 0), absl::Seconds(30));      // floor min_refetch
  EXPECT_EQ(RefreshDelay(l, 86400), absl::Minutes(10));  // ceiling refresh
}

TEST(FetchScheduleTest, FirstFetchIsDueAtOnce) {
  FetchSchedule s(Limits());
  const SteadyTime t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(s.NextDue(false), SteadyTime::max());
  s.Begin(t0);
  EXPECT_EQ(s.NextDue(false), t0);
  EXPECT_EQ(s.NextDue(true), SteadyTime::min());  // never fetched yet
}

TEST(FetchScheduleTest, RefetchRequestWaitsForMinRefetchSinceLastStart) {
  FetchSchedule s(Limits());
  const SteadyTime t0 = std::chrono::steady_clock::now();
  s.Begin(t0);
  s.OnStart(t0);
  s.OnSuccess(t0 + milliseconds(200), std::nullopt);
  EXPECT_EQ(s.NextDue(false),
            t0 + milliseconds(200) + std::chrono::minutes(10));
  EXPECT_EQ(s.NextDue(true), t0 + seconds(30));
}

TEST(FetchScheduleTest, MaxAgeMovesTheNextRefresh) {
  FetchSchedule s(Limits());
  const SteadyTime t0 = std::chrono::steady_clock::now();
  s.Begin(t0);
  s.OnStart(t0);
  s.OnSuccess(t0, 90);
  EXPECT_EQ(s.NextDue(false), t0 + seconds(90));
}

TEST(FetchScheduleTest, FailuresBackOffAndSuccessResets) {
  FetchSchedule s(Limits());
  const SteadyTime t0 = std::chrono::steady_clock::now();
  s.Begin(t0);
  s.OnStart(t0);
  EXPECT_EQ(s.OnFailure(t0, 1.0), absl::Seconds(1));
  EXPECT_EQ(s.NextDue(false), t0 + seconds(1));
  EXPECT_EQ(s.OnFailure(t0, 1.0), absl::Seconds(2));
  EXPECT_EQ(s.OnFailure(t0, 1.0), absl::Seconds(4));
  EXPECT_EQ(s.failures(), 3);
  // An early refetch request during failures is still bounded by
  // min_refetch, not by the (shorter) backoff.
  EXPECT_EQ(s.NextDue(true), t0 + seconds(4));
  s.OnSuccess(t0, std::nullopt);
  EXPECT_EQ(s.failures(), 0);
  EXPECT_EQ(s.OnFailure(t0, 1.0), absl::Seconds(1));
}

}  // namespace
}  // namespace jwtgate::jwks
