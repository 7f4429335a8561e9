// File: tests/testing/process.h
//
// Child processes for integration tests: start a program with arguments and
// extra environment, its stdout/stderr going to files; stop it by PID with a
// bounded wait; wait until it accepts TCP connections on 127.0.0.1.
//
//   ASSERT_OK_AND_ASSIGN(Process p, Process::Start({.program = "/bin/x",
//                                                   .args = {"--flag"}}));
//   ASSERT_THAT(WaitForPort(port, std::chrono::seconds(5), &p), IsOk());
//   int status = p.Stop(SIGTERM, std::chrono::seconds(5));
//
// A child gets PR_SET_PDEATHSIG(SIGKILL), so it never outlives a crashed
// test binary; a Process still running when destroyed is killed and reaped.
// Thread rule: one Process is used from one thread at a time.
#ifndef JWTGATE_TESTS_TESTING_PROCESS_H_
#define JWTGATE_TESTS_TESTING_PROCESS_H_

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "jwtgate/common/unique_fd.h"

namespace jwtgate::testing {

struct ProcessOptions {
  std::string program = {};            // absolute path
  std::vector<std::string> args = {};  // without argv[0]
  // "NAME=value" entries added to (or replacing in) this process's
  // environment.
  std::vector<std::string> env = {};
  std::string stdout_path = "/dev/null";
  std::string stderr_path = "/dev/null";
};

class Process {
 public:
  static absl::StatusOr<Process> Start(const ProcessOptions& options);

  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();  // SIGKILL + reap if still running

  pid_t pid() const { return pid_; }
  // True until the child has exited (reaps it when it has).
  bool Running();
  // The raw wait status once exited.
  std::optional<int> exit_status() const { return status_; }

  // Waits up to `timeout` for the child to exit on its own. Returns its wait
  // status, or nullopt if it is still running.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);
  // Sends `sig`, waits up to `timeout`, then SIGKILLs if needed. Returns the
  // wait status (already-exited children just report theirs).
  int Stop(int sig = SIGTERM,
           std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Sends a signal without waiting (e.g. SIGHUP, or SIGTERM before a test
  // observes the drain).
  void Signal(int sig);

 private:
  Process(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
  void Reap(bool block);

  pid_t pid_ = -1;
  UniqueFd pidfd_;
  std::optional<int> status_;
};

// "exit 0", "exit 1", "signal 11 (core dumped)".
std::string DescribeWaitStatus(int status);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then
// closed). Callers that bind it later must cope with a lost race. Only for
// listeners without SO_REUSEPORT (the metrics port), whose bind fails loudly
// on a lost race; SO_REUSEPORT listeners use ReservePort.
absl::StatusOr<uint16_t> PickFreePort();

// A TCP port on 127.0.0.1 held by a bound, not listening, SO_REUSEPORT
// socket for as long as `fd` lives. bind(0) never hands out a port shared
// that way, so no other test running in parallel picks it (two SO_REUSEPORT
// listeners of two tests on one port would silently share its connections),
// while the gateway's and the test upstream's SO_REUSEPORT listeners may
// bind it. Connects to it are refused while nothing listens there.
struct PortReservation {
  UniqueFd fd;
  uint16_t port = 0;
};
absl::StatusOr<PortReservation> ReservePort();

// Waits until 127.0.0.1:`port` accepts a connection. Fails early when
// `watch` (optional) exits, and at `timeout`.
absl::Status WaitForPort(uint16_t port, std::chrono::milliseconds timeout,
                         Process* watch = nullptr);

// Whole file contents ("" if missing).
std::string ReadFileOrEmpty(const std::string& path);
// The last `max_lines` lines of `text`.
std::string LastLines(const std::string& text, size_t max_lines);

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_TESTING_PROCESS_H_
