// SPEC §1 sd_notify against the real jwtgate: the test binds its own
// AF_UNIX datagram socket, passes it as NOTIFY_SOCKET (with WATCHDOG_USEC),
// and receives READY=1 once the listeners accept, RELOADING=1 with
// MONOTONIC_USEC then READY=1 around SIGHUP, STOPPING=1 on SIGTERM, STATUS=
// lines, and WATCHDOG=1 pings every half interval.
#include <signal.h>
#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"
#include "tests/integration/lifecycle_util.h"

namespace jwtgate::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

uint64_t MonotonicUsecNow() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000u + uint64_t(ts.tv_nsec) / 1000u;
}

// The fixture writes the test world's ini and starts the upstream; its own
// jwtgate is stopped again, and the test runs a second one from the same
// ini with NOTIFY_SOCKET set, so that READY=1 can be compared with the
// moment the ports accept.
class NotifyTest : public GatewayFixture {
 protected:
  void TearDown() override {
    if (child_.has_value() && child_->Running()) child_->Stop(SIGKILL);
    if (HasFailure()) {
      std::cerr << "---- notified jwtgate stderr ----\n"
                << LastLines(ReadFileOrEmpty(ChildStderr()), 80)
                << "---- messages received ----\n"
                << Join(messages_, "\n---\n") << "\n---- end ----\n";
    }
    GatewayFixture::TearDown();
  }

  std::string ChildStderr() const {
    return temp_dir() + "/notified-jwtgate.stderr";
  }

  // Starts the world, stops the fixture's jwtgate, binds the notify socket
  // and starts jwtgate again with `watchdog_usec` (0: no WATCHDOG_USEC).
  void StartNotified(int64_t watchdog_usec) {
    ASSERT_NO_FATAL_FAILURE(StartGateway());
    ASSERT_EQ(DescribeWaitStatus(StopGateway()), "exit 0");
    const std::string socket_path = temp_dir() + "/notify.sock";
    ASSERT_OK_AND_ASSIGN(NotifySocket s, NotifySocket::Bind(socket_path));
    notify_.emplace(std::move(s));
    std::vector<std::string> env = {"JWTGATE_TEST_SECRET=" + secret(),
                                    "JWTGATE_TEST_SECRET2=" + secret2(),
                                    "NOTIFY_SOCKET=" + socket_path};
    // sd_watchdog_enabled() ignores WATCHDOG_USEC when WATCHDOG_PID names
    // another process; an inherited one must not leak into the child.
    ::unsetenv("WATCHDOG_PID");
    ::unsetenv("WATCHDOG_USEC");
    if (watchdog_usec > 0) {
      env.push_back(absl::StrCat("WATCHDOG_USEC=", watchdog_usec));
    }
    ASSERT_OK_AND_ASSIGN(
        Process p,
        Process::Start({.program = JWTGATE_BINARY,
                        .args = {"--config", temp_dir() + "/jwtgate.ini"},
                        .env = env,
                        .stderr_path = ChildStderr()}));
    child_.emplace(std::move(p));
  }

  // The next message holding `line`, within `timeout`.
  std::optional<std::string> Await(std::string_view line,
                                   milliseconds timeout = seconds(10)) {
    return notify_->ReceiveUntil(line, timeout, &messages_);
  }

  // Messages received so far that hold `line`.
  size_t CountWith(std::string_view line) const {
    size_t n = 0;
    for (const std::string& m : messages_) n += NotifySocket::HasLine(m, line);
    return n;
  }

  std::optional<NotifySocket> notify_;
  std::optional<Process> child_;
  std::vector<std::string> messages_;
};

// Every state message carries a non-empty STATUS= line.
::testing::AssertionResult HasStatus(const std::optional<std::string>& m) {
  if (!m.has_value()) return ::testing::AssertionFailure() << "no message";
  std::optional<std::string> status = NotifySocket::Field(*m, "STATUS");
  if (status.has_value() && !status->empty()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no STATUS= line in '" << *m << "'";
}

TEST_F(NotifyTest, ReadyReloadingStoppingAndWatchdogPings) {
  ASSERT_NO_FATAL_FAILURE(StartNotified(/*watchdog_usec=*/400000));

  // READY=1 comes only once the listeners accept: connect at once, no
  // retry.
  std::optional<std::string> ready = Await("READY=1");
  ASSERT_TRUE(ready.has_value()) << "no READY=1 within 10 s";
  EXPECT_TRUE(HasStatus(ready));
  {
    ASSERT_OK_AND_ASSIGN(HttpClient c, HttpClient::Connect(port()));
    ASSERT_OK_AND_ASSIGN(HttpResponse r,
                         c.RoundTrip(BuildRequest("GET", "/public/echo")));
    EXPECT_EQ(r.status, 200);
    ASSERT_OK_AND_ASSIGN(r, MetricsGet(metrics_port(), "/healthz"));
    EXPECT_EQ(r.status, 200);
  }
  EXPECT_EQ(CountWith("RELOADING=1") + CountWith("STOPPING=1"), 0u);

  // Pings every half WATCHDOG_USEC (200 ms): about five in a second (one
  // more may have been queued already), and they keep coming.
  const size_t pings_before = CountWith("WATCHDOG=1");
  const auto window_end = LifecycleClock::now() + milliseconds(1000);
  while (LifecycleClock::now() < window_end) {
    std::optional<std::string> m =
        notify_->Receive(std::chrono::duration_cast<milliseconds>(
            window_end - LifecycleClock::now()));
    if (m.has_value()) messages_.push_back(*m);
  }
  const size_t pings = CountWith("WATCHDOG=1") - pings_before;
  EXPECT_GE(pings, 3u) << "WATCHDOG=1 pings in 1 s with WATCHDOG_USEC=400000";
  EXPECT_LE(pings, 8u) << "WATCHDOG=1 pings in 1 s with WATCHDOG_USEC=400000";

  // SIGHUP: RELOADING=1 with MONOTONIC_USEC of the reload's start, then
  // READY=1 again.
  const uint64_t before_hup = MonotonicUsecNow();
  child_->Signal(SIGHUP);
  std::optional<std::string> reloading = Await("RELOADING=1", seconds(5));
  ASSERT_TRUE(reloading.has_value()) << "no RELOADING=1 after SIGHUP";
  EXPECT_TRUE(HasStatus(reloading));
  std::optional<std::string> usec_text =
      NotifySocket::Field(*reloading, "MONOTONIC_USEC");
  ASSERT_TRUE(usec_text.has_value()) << "RELOADING=1 without MONOTONIC_USEC";
  uint64_t usec = 0;
  ASSERT_TRUE(absl::SimpleAtoi(*usec_text, &usec)) << *usec_text;
  EXPECT_GE(usec, before_hup);
  EXPECT_LE(usec, MonotonicUsecNow());
  std::optional<std::string> ready_again = Await("READY=1", seconds(5));
  ASSERT_TRUE(ready_again.has_value()) << "no READY=1 after the reload";
  EXPECT_TRUE(HasStatus(ready_again));
  ASSERT_TRUE(WaitForReloadCount(metrics_port(), "ok", 1));

  // SIGTERM: STOPPING=1, then exit 0.
  child_->Signal(SIGTERM);
  std::optional<std::string> stopping = Await("STOPPING=1", seconds(5));
  ASSERT_TRUE(stopping.has_value()) << "no STOPPING=1 after SIGTERM";
  EXPECT_TRUE(HasStatus(stopping));
  std::optional<int> status = child_->WaitExit(seconds(5));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(DescribeWaitStatus(*status), "exit 0");
  EXPECT_EQ(CountWith("READY=1"), 2u);
  EXPECT_EQ(CountWith("RELOADING=1"), 1u);
}

TEST_F(NotifyTest, RefusedReloadStillEndsWithReadyAndNoWatchdogWithoutUsec) {
  ASSERT_NO_FATAL_FAILURE(StartNotified(/*watchdog_usec=*/0));
  ASSERT_TRUE(Await("READY=1").has_value());
  const std::string ini_path = temp_dir() + "/jwtgate.ini";
  ASSERT_THAT(
      ReplaceFile(ini_path, ReadFileOrEmpty(ini_path) +
                                "\n[route broken]\nupstream = nosuch\n"),
      IsOk());
  child_->Signal(SIGHUP);
  ASSERT_TRUE(Await("RELOADING=1", seconds(5)).has_value());
  // systemd leaves the unit "reloading" until READY=1, whatever the
  // outcome.
  ASSERT_TRUE(Await("READY=1", seconds(5)).has_value())
      << "no READY=1 after a refused reload";
  ASSERT_TRUE(WaitForReloadCount(metrics_port(), "error", 1));
  child_->Signal(SIGTERM);
  ASSERT_TRUE(Await("STOPPING=1", seconds(5)).has_value());
  std::optional<int> status = child_->WaitExit(seconds(5));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(DescribeWaitStatus(*status), "exit 0");
  // Whatever else arrived after STOPPING=1 is read too before counting.
  while (std::optional<std::string> m = notify_->Receive(milliseconds(50))) {
    messages_.push_back(*m);
  }
  EXPECT_EQ(CountWith("WATCHDOG=1"), 0u)
      << "WATCHDOG=1 sent although systemd asked for no watchdog";
}

}  // namespace
}  // namespace jwtgate::testing
