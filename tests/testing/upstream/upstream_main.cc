// jwtgate_test_upstream: the HTTP/1.1 server behind jwtgate in integration
// tests, the quick start and load tests. What it answers is documented in
// responder.h.
//
//   jwtgate_test_upstream --listen 127.0.0.1:9000 [--threads N] [--quiet]
//
// Each thread runs its own epoll loop with its own SO_REUSEPORT listener.
// SIGTERM/SIGINT exit 0 at once (no drain: tests and scripts own the
// lifecycle).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "event_loop.h"

namespace jwtgate::testing {
namespace {

constexpr int kMaxThreads = 64;

int Usage(const char* why) {
  std::fprintf(stderr,
               "jwtgate_test_upstream: %s\n"
               "usage: jwtgate_test_upstream --listen 127.0.0.1:PORT "
               "[--threads N] [--quiet]\n",
               why);
  return 2;
}

bool ParseListen(std::string_view text, sockaddr_in* addr) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string host(text.substr(0, colon));
  if (host == "localhost") host = "127.0.0.1";
  uint32_t port = 0;
  std::string port_text(text.substr(colon + 1));
  if (!absl::SimpleAtoi(port_text, &port) || port > 65535) {
    return false;
  }
  *addr = sockaddr_in{};
  addr->sin_family = AF_INET;
  addr->sin_port = htons(static_cast<uint16_t>(port));
  return ::inet_pton(AF_INET, host.c_str(), &addr->sin_addr) == 1;
}

int Main(int argc, char** argv) {
  sockaddr_in addr{};
  bool have_listen = false;
  int threads = 1;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--listen" && i + 1 < argc) {
      if (!ParseListen(argv[++i], &addr)) return Usage("bad --listen");
      have_listen = true;
    } else if (arg == "--threads" && i + 1 < argc) {
      if (!absl::SimpleAtoi(argv[++i], &threads) || threads < 1 ||
          threads > kMaxThreads) {
        return Usage("bad --threads");
      }
    } else if (arg == "--quiet") {
      quiet = true;
    } else {
      return Usage("unknown argument");
    }
  }
  if (!have_listen) return Usage("--listen is required");

  // Signals are taken by sigwait on the main thread only.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  static UpstreamStats stats;  // outlives the detached loop threads
  std::vector<std::unique_ptr<EventLoop>> loops;
  for (int t = 0; t < threads; ++t) {
    auto loop = EventLoop::Create(addr, t, &stats);
    if (!loop.ok()) {
      std::fprintf(stderr, "jwtgate_test_upstream: %s\n",
                   std::string(loop.status().message()).c_str());
      return 1;
    }
    addr.sin_port = htons((*loop)->port());  // port 0: all share the first
    loops.push_back(*std::move(loop));
  }
  for (auto& loop : loops) {
    std::thread([l = loop.get()] { l->Run(); }).detach();
  }
  if (!quiet) {
    char host[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &addr.sin_addr, host, sizeof(host));
    std::printf("jwtgate_test_upstream: listening on %s:%u threads=%d\n", host,
                ntohs(addr.sin_port), threads);
    std::fflush(stdout);
  }
  int sig = 0;
  sigwait(&set, &sig);
  // Loops never return; leave without running their destructors.
  std::_Exit(0);
}

}  // namespace
}  // namespace jwtgate::testing

int main(int argc, char** argv) { return jwtgate::testing::Main(argc, argv); }
