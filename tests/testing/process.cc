// Child processes and ports for integration tests.
#include "tests/testing/process.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace jwtgate::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

absl::Status ErrnoStatus(const std::string& what) {
  return absl::InternalError(what + ": " + std::strerror(errno));
}

// environ with `extra` ("NAME=value") added or replacing same-name entries.
std::vector<std::string> MergedEnvironment(
    const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const std::string& x : extra) {
      if (x.substr(0, x.find('=')) == name) replaced = true;
    }
    if (!replaced) out.push_back(std::move(entry));
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

int PollMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

absl::StatusOr<Process> Process::Start(const ProcessOptions& options) {
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls.
  std::vector<std::string> env = MergedEnvironment(options.env);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = options.args;
  std::string program = options.program;
  std::vector<char*> argv;
  argv.push_back(program.data());
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  UniqueFd out(::open(options.stdout_path.c_str(),
                      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!out.valid()) return ErrnoStatus("open " + options.stdout_path);
  UniqueFd err(::open(options.stderr_path.c_str(),
                      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!err.valid()) return ErrnoStatus("open " + options.stderr_path);
  UniqueFd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return ErrnoStatus("open /dev/null");
  if (::access(program.c_str(), X_OK) != 0) {
    return ErrnoStatus("cannot execute " + program);
  }

  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return ErrnoStatus("fork");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(in.get(), STDIN_FILENO);
    ::dup2(out.get(), STDOUT_FILENO);
    ::dup2(err.get(), STDERR_FILENO);
    // Signals blocked or ignored by the test runner must not leak into the
    // child.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execve(program.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return ErrnoStatus("pidfd_open");
  }
  return Process(pid, std::move(pidfd));
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      status_(other.status_) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !status_.has_value()) Stop(SIGKILL, milliseconds(2000));
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
    status_ = other.status_;
  }
  return *this;
}

Process::~Process() {
  if (pid_ > 0 && !status_.has_value()) Stop(SIGKILL, milliseconds(5000));
}

void Process::Reap(bool block) {
  if (pid_ <= 0 || status_.has_value()) return;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) status_ = status;
}

bool Process::Running() {
  Reap(false);
  return pid_ > 0 && !status_.has_value();
}

std::optional<int> Process::WaitExit(milliseconds timeout) {
  if (!Running()) return status_;
  pollfd p{pidfd_.get(), POLLIN, 0};
  auto deadline = Clock::now() + timeout;
  for (;;) {
    int n = ::poll(&p, 1, PollMs(deadline));
    if (n > 0) {
      Reap(true);  // the pidfd is readable: the child has exited
      return status_;
    }
    if (n == 0) return std::nullopt;
    if (errno != EINTR) return std::nullopt;
  }
}

void Process::Signal(int sig) {
  if (Running()) ::kill(pid_, sig);
}

int Process::Stop(int sig, milliseconds timeout) {
  if (Running()) {
    ::kill(pid_, sig);
    if (!WaitExit(timeout).has_value()) {
      ::kill(pid_, SIGKILL);
      Reap(true);
    }
  }
  return status_.value_or(-1);
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return absl::StrCat("signal ", WTERMSIG(status),
                        WCOREDUMP(status) ? " (core dumped)" : "");
  }
  return absl::StrCat("wait status ", status);
}

namespace {

absl::StatusOr<PortReservation> BindLoopbackPort(bool reuse_port) {
  PortReservation out;
  out.fd.Reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!out.fd.valid()) return ErrnoStatus("socket");
  const int one = 1;
  if (reuse_port && ::setsockopt(out.fd.get(), SOL_SOCKET, SO_REUSEPORT, &one,
                                 sizeof(one)) != 0) {
    return ErrnoStatus("setsockopt(SO_REUSEPORT)");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(out.fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) !=
      0) {
    return ErrnoStatus("bind");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(out.fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  out.port = ntohs(addr.sin_port);
  return out;
}

}  // namespace

absl::StatusOr<uint16_t> PickFreePort() {
  absl::StatusOr<PortReservation> r = BindLoopbackPort(/*reuse_port=*/false);
  if (!r.ok()) return r.status();
  return r->port;
}

absl::StatusOr<PortReservation> ReservePort() {
  return BindLoopbackPort(/*reuse_port=*/true);
}

absl::Status WaitForPort(uint16_t port, milliseconds timeout, Process* watch) {
  auto deadline = Clock::now() + timeout;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  for (;;) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) ==
        0) {
      return absl::OkStatus();
    }
    if (watch != nullptr) {
      // Waiting on the child's exit doubles as the pause between attempts.
      if (std::optional<int> st = watch->WaitExit(milliseconds(10))) {
        return absl::FailedPreconditionError(
            absl::StrCat("process exited (", DescribeWaitStatus(*st),
                         ") before port ", port, " accepted connections"));
      }
    } else {
      ::poll(nullptr, 0, 10);
    }
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("port ", port, " did not accept connections within ",
                       timeout.count(), " ms"));
    }
  }
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string LastLines(const std::string& text, size_t max_lines) {
  size_t pos = text.size();
  size_t lines = 0;
  while (pos > 0) {
    size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    if (nl + 1 < text.size() && ++lines > max_lines) {
      return text.substr(nl + 1);
    }
    pos = nl;
  }
  return text;
}

}  // namespace jwtgate::testing
