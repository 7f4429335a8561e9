// Shard threads: start (pinned, listening), publish, drain, wait, stop.
#include "jwtgate/shard/shard_set.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include "jwtgate/common/log.h"
#include "shard/mailbox.h"
#include "shard/shard.h"

namespace jwtgate {

// Shared between the control thread and shard threads: how many ended.
struct ShardSetState {
  std::mutex mu;
  std::condition_variable cv;
  int finished = 0;
};

namespace {

std::vector<int> AllowedCpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int i = 0; i < CPU_SETSIZE; ++i) {
      if (CPU_ISSET(i, &set)) cpus.push_back(i);
    }
  }
  if (cpus.empty()) {
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    for (long i = 0; i < (n > 0 ? n : 1); ++i)
      cpus.push_back(static_cast<int>(i));
  }
  return cpus;
}

struct Started {
  absl::Status status;
  std::vector<SocketAddress> bound;
};

}  // namespace

int ShardSet::ResolveShardCount(const GatewaySettings& gateway) {
  if (gateway.shards > 0) return gateway.shards;
  return static_cast<int>(AllowedCpus().size());
}

absl::StatusOr<std::unique_ptr<ShardSet>> ShardSet::Start(
    SnapshotPtr snapshot, const Options& options) {
  std::unique_ptr<ShardSet> set(new ShardSet());
  set->state_ = std::make_shared<ShardSetState>();
  const int count = ResolveShardCount(snapshot->gateway());
  const std::vector<int> cpus = AllowedCpus();
  std::vector<SocketAddress> listen = snapshot->gateway().listen;

  for (int i = 0; i < count; ++i) {
    auto mailbox = Mailbox::Create();
    if (!mailbox.ok()) return mailbox.status();
    set->mailboxes_.push_back(std::move(*mailbox));
  }
  // Shards start one after another: the first resolves any port 0, the
  // rest bind the same ports.
  for (int i = 0; i < count; ++i) {
    Shard::Config config;
    config.index = i;
    config.options = options.shard;
    config.snapshot = snapshot;
    config.listen = listen;
    config.mailbox = set->mailboxes_[i].get();
    if (options.metrics != nullptr && i < options.metrics->shard_count()) {
      config.metrics = &options.metrics->shard(i);
    }
    if (options.access_log != nullptr) {
      config.access_log = &options.access_log->shard(i);
    }
    const int cpu = cpus[i % cpus.size()];
    const bool pin = options.shard.pin_threads;
    auto started = std::make_shared<std::promise<Started>>();
    std::future<Started> ready = started->get_future();
    std::shared_ptr<ShardSetState> state = set->state_;
    set->threads_.emplace_back([config, cpu, pin, started, state] {
      if (pin) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
      }
      absl::StatusOr<std::unique_ptr<Shard>> shard = Shard::Create(config);
      if (!shard.ok()) {
        started->set_value({shard.status(), {}});
      } else {
        started->set_value({absl::OkStatus(), (*shard)->bound()});
        (*shard)->Run();
        shard->reset();
      }
      std::lock_guard<std::mutex> lock(state->mu);
      ++state->finished;
      state->cv.notify_all();
    });
    Started result = ready.get();
    if (!result.status.ok()) {
      set->Stop();
      return result.status;
    }
    if (i == 0) {
      listen = result.bound;
      set->addresses_ = result.bound;
    }
  }
  return set;
}

ShardSet::~ShardSet() { Stop(); }

void ShardSet::Publish(SnapshotPtr snapshot) {
  for (auto& m : mailboxes_) {
    m->Post({ShardMessage::Kind::kSnapshot, snapshot});
  }
}

void ShardSet::Drain() {
  for (auto& m : mailboxes_) m->Post({ShardMessage::Kind::kDrain, nullptr});
}

bool ShardSet::Wait(int64_t timeout_ms) {
  {
    std::unique_lock<std::mutex> lock(state_->mu);
    const int n = static_cast<int>(threads_.size());
    if (!state_->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                             [&] { return state_->finished >= n; })) {
      return false;
    }
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  return true;
}

void ShardSet::Stop() {
  for (auto& m : mailboxes_) m->Post({ShardMessage::Kind::kStop, nullptr});
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace jwtgate
