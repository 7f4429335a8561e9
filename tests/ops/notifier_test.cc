// Notifier against a test-owned AF_UNIX datagram socket set as
// NOTIFY_SOCKET (what systemd does for Type=notify).
#include "jwtgate/ops/notifier.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtgate/ops/metrics.h"
#include "tests/ops/ops_test_util.h"

namespace jwtgate::ops {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class FakeClock final : public Clock {
 public:
  int64_t UnixSeconds() const override { return 0; }
  int64_t MonotonicMillis() const override { return now_ms.load(); }
  std::atomic<int64_t> now_ms{1'000'000};
};

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = dir_.File("notify");
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    ASSERT_LT(path.size(), sizeof(addr.sun_path));
    path.copy(addr.sun_path, path.size());
    ASSERT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
  void TearDown() override {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    if (fd_ >= 0) ::close(fd_);
  }

  // The next datagram, or "" if none arrives within `timeout_ms`.
  std::string Receive(int timeout_ms = 5000) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return "";
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, n) : "";
  }

  testing::TempDir dir_;
  int fd_ = -1;
};

TEST_F(NotifierTest, ReadyReloadingStoppingStatus) {
  Notifier notifier;
  ASSERT_TRUE(notifier.enabled());
  EXPECT_EQ(notifier.watchdog_usec(), 0);

  notifier.Ready("serving on 127.0.0.1:8080");
  EXPECT_EQ(Receive(), "READY=1\nSTATUS=serving on 127.0.0.1:8080");

  timespec before;
  clock_gettime(CLOCK_MONOTONIC, &before);
  notifier.Reloading();
  const std::string reloading = Receive();
  EXPECT_THAT(reloading, StartsWith("RELOADING=1\nMONOTONIC_USEC="));
  const size_t at = reloading.find("MONOTONIC_USEC=") + 15;
  const uint64_t usec = std::strtoull(reloading.c_str() + at, nullptr, 10);
  const uint64_t before_usec =
      uint64_t(before.tv_sec) * 1000000 + before.tv_nsec / 1000;
  EXPECT_GE(usec, before_usec);
  EXPECT_LT(usec, before_usec + 10'000'000);

  notifier.Status("two\nlines");
  EXPECT_EQ(Receive(), "STATUS=two lines");  // one assignment, not two

  notifier.Stopping("draining");
  EXPECT_EQ(Receive(), "STOPPING=1\nSTATUS=draining");
}

TEST_F(NotifierTest, NoSocketMeansNoOp) {
  ::unsetenv("NOTIFY_SOCKET");
  Notifier notifier;
  EXPECT_FALSE(notifier.enabled());
  notifier.Ready("x");
  notifier.StartWatchdog(nullptr);  // no watchdog without systemd
  EXPECT_EQ(Receive(200), "");
}

TEST_F(NotifierTest, WatchdogIntervalComesFromTheEnvironment) {
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  Notifier notifier;
  EXPECT_EQ(notifier.watchdog_usec(), 3'000'000);
}

TEST_F(NotifierTest, WatchdogPingsOnlyWhileEveryShardBeats) {
  ::setenv("WATCHDOG_USEC", "100000", 1);  // ping every 50 ms
  FakeClock clock;
  Notifier::Options options;
  options.clock = &clock;
  options.stale_after_ms = 1000;  // of fake time
  Notifier notifier(options);
  ASSERT_EQ(notifier.watchdog_usec(), 100'000);

  MetricsRegistry registry(2);
  registry.shard(0).Beat(clock.now_ms);
  registry.shard(1).Beat(clock.now_ms);
  notifier.StartWatchdog(&registry);
  EXPECT_EQ(Receive(), "WATCHDOG=1");
  EXPECT_EQ(Receive(), "WATCHDOG=1");

  // Shard 1 gets stuck: only shard 0 keeps beating.
  clock.now_ms += 5000;
  registry.shard(0).Beat(clock.now_ms);
  // A ping decided before the clock moved may still be in flight (bounded:
  // a watchdog that ignores the stale shard fails below, not hangs here).
  for (int i = 0; i < 3 && !Receive(300).empty(); ++i) {
  }
  const uint64_t pings = notifier.pings_sent();
  EXPECT_EQ(Receive(500), "");  // ten periods without a ping
  EXPECT_EQ(notifier.pings_sent(), pings);

  // Shard 1 turns again: the pings resume.
  registry.shard(1).Beat(clock.now_ms);
  EXPECT_EQ(Receive(), "WATCHDOG=1");
  notifier.StopWatchdog();
  for (int i = 0; i < 3 && !Receive(200).empty(); ++i) {
  }
  EXPECT_EQ(Receive(300), "");  // stopped means stopped
}

TEST_F(NotifierTest, NoPingBeforeTheShardsHaveBeaten) {
  ::setenv("WATCHDOG_USEC", "100000", 1);
  Notifier notifier;
  MetricsRegistry registry(1);
  notifier.StartWatchdog(&registry);
  EXPECT_EQ(Receive(300), "");
  registry.shard(0).Beat(SystemClock::Get().MonotonicMillis());
  // Keep beating with the real clock until a ping arrives.
  std::string got;
  for (int i = 0; i < 100 && got.empty(); ++i) {
    registry.shard(0).Beat(SystemClock::Get().MonotonicMillis());
    got = Receive(50);
  }
  EXPECT_EQ(got, "WATCHDOG=1");
}

}  // namespace
}  // namespace jwtgate::ops
