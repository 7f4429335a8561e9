// Shard threads: start (pinned, listening), publish, drain, wait, stop.
#include "jwtgate/shard/shard_set.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <mutex>

#include "jwtgate/common/log.h"
#include "jwtgate/common/status_macros.h"
#include "jwtgate/io/socket.h"
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

// Benchmark knobs (perf/load compares the paths): JWTGATE_SPLICE_THRESHOLD
// (bytes, 0 = never splice), JWTGATE_PIPE_BYTES and JWTGATE_MULTISHOT_RECV
// (0/1). Not part of the configuration; unset means the measured defaults.
ShardOptions WithEnvironment(ShardOptions o) {
  if (const char* v = std::getenv("JWTGATE_SPLICE_THRESHOLD")) {
    o.splice_threshold = std::strtoull(v, nullptr, 10);
  }
  if (const char* v = std::getenv("JWTGATE_PIPE_BYTES")) {
    o.pipe_bytes = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
  }
  if (const char* v = std::getenv("JWTGATE_MULTISHOT_RECV")) {
    o.multishot_recv = v[0] == '1';
  }
  return o;
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
    config.options = WithEnvironment(options.shard);
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
  set->configured_ = snapshot->gateway().listen;
  set->listen_backlog_ = options.shard.listen_backlog;
  if (set->configured_.size() != set->addresses_.size()) {
    set->Stop();
    return absl::InternalError("shard 0 did not bind every listen address");
  }
  return set;
}

ShardSet::~ShardSet() { Stop(); }

absl::Status ShardSet::Publish(SnapshotPtr snapshot) {
  const std::vector<SocketAddress>& wanted = snapshot->gateway().listen;
  auto listed = [](const std::vector<SocketAddress>& list,
                   const SocketAddress& a) {
    return std::find(list.begin(), list.end(), a) != list.end();
  };
  std::vector<ShardMessage> messages(mailboxes_.size());
  std::vector<SocketAddress> configured;
  std::vector<SocketAddress> bound;
  for (size_t k = 0; k < configured_.size(); ++k) {
    if (listed(wanted, configured_[k])) {
      configured.push_back(configured_[k]);
      bound.push_back(addresses_[k]);
    } else {
      for (ShardMessage& m : messages) {
        m.close_listeners.push_back(addresses_[k]);
      }
    }
  }
  // New addresses: one SO_REUSEPORT socket per shard, opened here so a
  // failure refuses the reload before any shard changes; the first socket
  // resolves a port 0 for the rest.
  for (const SocketAddress& address : wanted) {
    if (listed(configured_, address) || listed(configured, address)) continue;
    SocketAddress at = address;
    for (ShardMessage& m : messages) {
      absl::StatusOr<UniqueFd> fd = io::ListenReusePort(at, listen_backlog_);
      if (!fd.ok()) return fd.status();
      if (&m == &messages.front()) {
        JWTGATE_ASSIGN_OR_RETURN(at, io::LocalAddress(fd->get()));
      }
      m.open_listeners.push_back({at, std::move(*fd)});
    }
    configured.push_back(address);
    bound.push_back(at);
  }
  for (size_t i = 0; i < mailboxes_.size(); ++i) {
    messages[i].kind = ShardMessage::Kind::kSnapshot;
    messages[i].snapshot = snapshot;
    mailboxes_[i]->Post(std::move(messages[i]));
  }
  configured_ = std::move(configured);
  addresses_ = std::move(bound);
  return absl::OkStatus();
}

void ShardSet::Drain() {
  for (auto& m : mailboxes_) {
    m->Post(ShardMessage::Of(ShardMessage::Kind::kDrain));
  }
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
  for (auto& m : mailboxes_)
    m->Post(ShardMessage::Of(ShardMessage::Kind::kStop));
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace jwtgate
