// File: tests/integration/fault_fixture.h
//
// FaultFixture: GatewayFixture's test world (gateway_fixture.h: /public/,
// /api/, /dead/ ...) with short timeouts, so a test takes seconds, plus a
// route to a ScriptedUpstream that the test scripts byte by byte:
//
//   [upstream scripted] the ScriptedUpstream, keepalive = 2
//   /scripted/ -> scripted, auth off
//
// RunRounds() runs a fault several times with a Bystander in the
// background and, after each round, checks that jwtgate is alive, that no
// client socket is left, upstream sockets are within the pools' keepalive,
// pipes and RSS stay at their level after the first (warm-up) round (RSS
// within kRssToleranceKib), and every other descriptor is back at the
// start count (see fault_util.h). The figures go to the test's XML properties
// and stdout.
//
// Thread rule: like any gtest fixture, used from the test's thread.
#ifndef JWTGATE_TESTS_INTEGRATION_FAULT_FIXTURE_H_
#define JWTGATE_TESTS_INTEGRATION_FAULT_FIXTURE_H_

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/fault_util.h"
#include "tests/integration/scripted_upstream.h"
#include "tests/testing/upstream/pattern.h"

namespace jwtgate::testing {

class FaultFixture : public GatewayFixture {
 public:
  // Short timeouts; tests override what they exercise.
  static GatewayConfig FastConfig() {
    GatewayConfig c;
    c.client_header_timeout = "1s";
    c.client_idle_timeout = "5s";
    c.upstream_connect_timeout = "500ms";
    c.upstream_timeout = "1s";
    c.access_log = "off";
    return c;
  }

 protected:
  // Idle connections the pools may keep: backend (DefaultSections) plus
  // scripted.
  static constexpr int kPooledMax = 8 + 2;

  // Starts the scripted upstream with `script`, then jwtgate in the fault
  // world, sends one warm-up request per route kind and takes the starting
  // census. Call as ASSERT_NO_FATAL_FAILURE(StartFault(...)).
  void StartFault(
      GatewayConfig config = FastConfig(),
      ScriptedUpstream::Script script = ScriptedUpstream::AnswerOk) {
    absl::StatusOr<std::unique_ptr<ScriptedUpstream>> up =
        ScriptedUpstream::Start(std::move(script));
    ASSERT_TRUE(up.ok()) << up.status();
    scripted_ = *std::move(up);
    config.extra_sections = absl::StrCat(
        "[upstream scripted]\nserver = 127.0.0.1:", scripted_->port(),
        "\nkeepalive = 2\n\n[route scripted]\npath_prefix = /scripted/\n"
        "upstream = scripted\nauth = off\n");
    ASSERT_NO_FATAL_FAILURE(StartGateway(config));
    token_ = ValidToken();
    ASSERT_OK_AND_ASSIGN(HttpResponse r, Get("/public/echo"));
    ASSERT_EQ(r.status, 200);
    ASSERT_OK_AND_ASSIGN(r, GetWithToken("/api/echo", token_));
    ASSERT_EQ(r.status, 200);
    ASSERT_NO_FATAL_FAILURE(TouchReceiveBuffers());
    // The start: no client socket and no socket half made or half closed.
    const auto deadline = FaultClock::now() + std::chrono::seconds(5);
    for (;;) {
      ASSERT_TRUE(Settled(0)) << "before the fault";
      start_ = Census();
      if ((start_.client == 0 && start_.stray == 0) ||
          FaultClock::now() >= deadline) {
        break;
      }
      ::poll(nullptr, 0, 20);
    }
    ASSERT_EQ(start_.stray, 0) << start_.ToString();
    start_rss_kib_ = ReadRssKib(gateway().pid());
  }

  // The shard's provided receive buffers (ShardOptions: 2,048 x 16 KiB)
  // are used in turn, so their pages are first touched over the first
  // ~32 MiB received: RSS that would look like a leak in early rounds.
  // A 48 MiB response on the copy path (chunked) touches them all first.
  // The HEAD lets the test upstream hash the body ahead (it caches the
  // digest), so the GET streams at once even with a short upstream_timeout.
  void TouchReceiveBuffers() {
    const std::string target =
        absl::StrCat("/public/bytes/", 48u << 20, "?chunked=1");
    ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
    (void)c.RoundTrip(
        BuildRequest("HEAD", target, {{"Connection", "close"}}),
        {.timeout = std::chrono::seconds(30), .head_request = true});
    ASSERT_OK_AND_ASSIGN(c, Connect());
    ASSERT_OK_AND_ASSIGN(HttpResponse r,
                         c.RoundTrip(BuildRequest("GET", target),
                                     {.timeout = std::chrono::seconds(30)}));
    ASSERT_EQ(r.body.size(), 48u << 20);
  }

  // Starts the gateway with client_header_timeout = 1s and, in two
  // rounds, opens `n` connections that never send a byte while the
  // Bystander is served: each must be closed (a 408 first is tolerated)
  // between 0.9s and 2s after it opened.
  void RunSilentConnections(int n) {
    // This process holds n client sockets; jwtgate raises its own limit to
    // the hard one and needs n accepted ones.
    ASSERT_TRUE(EnsureFdLimit(static_cast<rlim_t>(n) + 512))
        << "RLIMIT_NOFILE hard limit too low for " << n << " connections";
    GatewayConfig config = FastConfig();
    config.client_header_timeout = "1s";
    ASSERT_NO_FATAL_FAILURE(StartFault(config));
    const auto late = std::chrono::milliseconds(kUnderAsan ? 4000 : 2000);
    RunRounds(2, [&](int) {
      std::vector<HttpClient> clients;
      std::vector<FaultClock::time_point> opened;
      clients.reserve(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) {
        ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
        clients.push_back(std::move(c));
        opened.push_back(FaultClock::now());
      }
      std::vector<FaultClock::time_point> closed =
          WaitReadable(clients, FaultClock::now() + 2 * late);
      int early = 0, too_late = 0, open = 0;
      std::chrono::milliseconds slowest{0};
      for (size_t i = 0; i < clients.size(); ++i) {
        if (closed[i] == FaultClock::time_point{}) {
          ++open;
          continue;
        }
        const auto at = std::chrono::duration_cast<std::chrono::milliseconds>(
            closed[i] - opened[i]);
        slowest = std::max(slowest, at);
        early += at < std::chrono::milliseconds(900);
        too_late += at > late;
        // Nothing was sent, so a close (a 408 before it is tolerated).
        PeerState s = clients[i].WaitForClose(std::chrono::milliseconds(100));
        if (s == PeerState::kData) {
          EXPECT_TRUE(IsGatewayAnswer(clients[i].ReadResponse(), 408));
          s = clients[i].WaitForClose(std::chrono::seconds(1));
        }
        EXPECT_TRUE(s == PeerState::kClosed || s == PeerState::kReset)
            << "connection " << i << ": " << PeerStateName(s);
      }
      EXPECT_EQ(open, 0) << "silent connections never closed";
      EXPECT_EQ(early, 0) << "closed before client_header_timeout (1s)";
      EXPECT_EQ(too_late, 0)
          << "closed more than " << late.count() << "ms after opening; slowest "
          << slowest.count() << "ms";
    });
  }

  // Requests StartFault sent to the backend (the test upstream).
  static constexpr uint64_t kStartRequests = 4;

  ScriptedUpstream& scripted() { return *scripted_; }
  const std::string& token() const { return token_; }

  FdCensus Census() {
    return TakeFdCensus(gateway().pid(), port(),
                        {upstream_port(), scripted_->port()});
  }

  // Waits (bounded) until jwtgate holds at most `clients` client sockets,
  // no more upstream sockets than the pools keep, no socket whose peer has
  // closed (CLOSE_WAIT: jwtgate forgot it), at most `pipes` pipe ends (-1:
  // any number) and exactly the starting number of other descriptors
  // (before the start is known: any number).
  ::testing::AssertionResult Settled(
      int clients, int pipes = -1,
      std::chrono::milliseconds timeout = std::chrono::seconds(6)) {
    const auto deadline = FaultClock::now() + timeout;
    FdCensus now;
    for (;;) {
      if (!gateway().Running()) {
        return ::testing::AssertionFailure() << "jwtgate is not running";
      }
      now = Census();
      const bool other_ok = start_.total == 0 || now.other == start_.other;
      if (now.client <= clients && now.upstream <= kPooledMax &&
          now.close_wait == 0 && (pipes < 0 || now.pipes <= pipes) &&
          other_ok) {
        return ::testing::AssertionSuccess();
      }
      if (FaultClock::now() >= deadline) break;
      ::poll(nullptr, 0, 20);
    }
    return ::testing::AssertionFailure()
           << "descriptors did not settle within " << timeout.count()
           << "ms: " << now.ToString() << "; start " << start_.ToString()
           << "; allowed: client <= " << clients
           << ", upstream <= " << kPooledMax
           << ", close-wait 0, pipes <= " << pipes
           << ", other == " << start_.other;
  }

  // Runs `round(i)` for i in [0, rounds) while a Bystander is served, with
  // the checks of the file comment after each round. Returns what the
  // Bystander saw (its requests reach the backend: /api/echo).
  // JWTGATE_FAULT_ROUNDS=N runs N rounds instead (a longer leak hunt).
  BystanderReport RunRounds(int rounds, const std::function<void(int)>& round) {
    if (const char* env = std::getenv("JWTGATE_FAULT_ROUNDS")) {
      int n = 0;
      if (absl::SimpleAtoi(env, &n) && n > 1) rounds = n;
    }
    Bystander bystander(port(), token_);
    int64_t warm_rss = 0, max_rss = start_rss_kib_;
    int warm_pipes = -1;
    std::chrono::milliseconds slowest_settle{0};
    for (int i = 0; i < rounds; ++i) {
      round(i);
      if (HasFatalFailure()) break;
      const auto settle_start = FaultClock::now();
      ::testing::AssertionResult settled = Settled(1, warm_pipes);
      slowest_settle = std::max(
          slowest_settle, std::chrono::duration_cast<std::chrono::milliseconds>(
                              FaultClock::now() - settle_start));
      if (!settled) {
        ADD_FAILURE() << "after round " << i << ": " << settled.message();
        break;
      }
      const int64_t rss = ReadRssKib(gateway().pid());
      max_rss = std::max(max_rss, rss);
      if (std::getenv("JWTGATE_FAULT_VERBOSE") != nullptr) {
        std::printf("[ round %-3d] rss %lld KiB, %s\n", i,
                    static_cast<long long>(rss), Census().ToString().c_str());
      }
      if (i == 0) {
        warm_rss = rss;
        warm_pipes = std::max(start_.pipes, Census().pipes);
      } else {
        EXPECT_LE(rss, warm_rss + kRssToleranceKib)
            << "RSS grew after round " << i << ": " << rss
            << " KiB, warm-up level " << warm_rss << " KiB";
      }
    }
    BystanderReport seen = bystander.Stop(/*min_ok=*/3);
    EXPECT_TRUE(WasServed(seen));
    EXPECT_TRUE(Settled(0, warm_pipes)) << "after the last round";
    const FdCensus end = Census();
    const int64_t end_rss = ReadRssKib(gateway().pid());
    RecordProperty("rss_start_kib", std::to_string(start_rss_kib_));
    RecordProperty("rss_warm_kib", std::to_string(warm_rss));
    RecordProperty("rss_end_kib", std::to_string(end_rss));
    RecordProperty("fds_start", std::to_string(start_.total));
    RecordProperty("fds_end", std::to_string(end.total));
    std::printf(
        "[ fault    ] rss KiB start %lld warm %lld max %lld end %lld; fds "
        "start %d end %d, slowest settle %lldms; bystander %d ok, slowest "
        "%lldms\n",
        static_cast<long long>(start_rss_kib_),
        static_cast<long long>(warm_rss), static_cast<long long>(max_rss),
        static_cast<long long>(end_rss), start_.total, end.total,
        static_cast<long long>(slowest_settle.count()), seen.ok,
        static_cast<long long>(seen.slowest.count()));
    return seen;
  }

 private:
  std::unique_ptr<ScriptedUpstream> scripted_;
  std::string token_;
  FdCensus start_;
  int64_t start_rss_kib_ = 0;
};

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_INTEGRATION_FAULT_FIXTURE_H_
