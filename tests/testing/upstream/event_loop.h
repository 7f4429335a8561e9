// File: tests/testing/upstream/event_loop.h
//
// One thread of jwtgate_test_upstream: its own SO_REUSEPORT listener, an
// edge-triggered epoll set, the connections it accepted and a timer heap
// for /slow and /drip. Loops share nothing but UpstreamStats.
//
// Ownership: owns its listener, epoll fd and connections. Thread rule:
// Run() and everything it calls run on one thread.
#ifndef JWTGATE_TESTS_TESTING_UPSTREAM_EVENT_LOOP_H_
#define JWTGATE_TESTS_TESTING_UPSTREAM_EVENT_LOOP_H_

#include <netinet/in.h>

#include <cstdint>
#include <memory>
#include <queue>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "jwtgate/common/unique_fd.h"
#include "responder.h"
#include "upstream_connection.h"

namespace jwtgate::testing {

class EventLoop final : public LoopServices {
 public:
  // Binds `addr` (SO_REUSEPORT, so every loop can bind the same port).
  static absl::StatusOr<std::unique_ptr<EventLoop>> Create(
      const sockaddr_in& addr, int thread_index, UpstreamStats* stats);
  ~EventLoop() override;

  // The bound port (useful when `addr` asked for port 0).
  uint16_t port() const { return port_; }
  // Serves forever.
  void Run();

  int64_t NowMs() const override;
  void ScheduleTimer(uint64_t connection_id, int64_t deadline_ms) override;
  Responder& responder() override { return responder_; }
  int thread_index() const override { return thread_index_; }
  char* scratch() override { return scratch_.get(); }
  size_t scratch_size() const override { return kScratchSize; }

 private:
  static constexpr size_t kScratchSize = 256 * 1024;
  EventLoop(UniqueFd listener, UniqueFd epoll, uint16_t port, int thread_index,
            UpstreamStats* stats);
  void AcceptAll();
  void RunTimers();
  int WaitTimeoutMs() const;

  UniqueFd listener_;
  UniqueFd epoll_;
  uint16_t port_;
  int thread_index_;
  UpstreamStats* stats_;
  Responder responder_;
  std::unique_ptr<char[]> scratch_;
  absl::flat_hash_map<uint64_t, std::unique_ptr<UpstreamConnection>> conns_;
  using Timer = std::pair<int64_t, uint64_t>;  // deadline, connection id
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
};

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_TESTING_UPSTREAM_EVENT_LOOP_H_
