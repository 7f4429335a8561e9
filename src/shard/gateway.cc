// RunGateway: load, start the shards, then only wait for signals. Reload
// (SIGHUP) and drain (SIGTERM/SIGINT) are orchestrated here, off the shards.
#include "jwtgate/shard/gateway.h"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/str_join.h"
#include "jwtgate/common/log.h"
#include "jwtgate/common/unique_fd.h"
#include "jwtgate/ops/access_log.h"
#include "jwtgate/ops/metrics.h"
#include "jwtgate/ops/metrics_server.h"
#include "jwtgate/ops/notifier.h"
#include "jwtgate/route/snapshot.h"
#include "jwtgate/shard/shard_set.h"

namespace jwtgate {
namespace {

// Each problem of a refused config on its own line (FILE:LINE: message).
void LogConfigErrors(const absl::Status& status) {
  std::string_view text(status.message().data(), status.message().size());
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    LogLine(LogLevel::kError, text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

// Many keep-alive connections need many descriptors: use the hard limit.
void RaiseFileLimit() {
  rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

ops::AccessLog::Target TargetOf(const GatewaySettings& g) {
  switch (g.access_log) {
    case GatewaySettings::AccessLog::kOff:
      return ops::AccessLog::Target::kOff;
    case GatewaySettings::AccessLog::kFile:
      return ops::AccessLog::Target::kFile;
    default:
      return ops::AccessLog::Target::kStderr;
  }
}

std::string ListenList(const std::vector<SocketAddress>& addresses) {
  std::string out;
  for (const SocketAddress& a : addresses) {
    if (!out.empty()) out += ", ";
    out += a.ToString();
  }
  return out;
}

// SIGHUP: the access log is reopened whatever the outcome (rotation);
// the new config is built and validated here, off the shards, and only a
// complete one is published. On success `snapshot` becomes the new one.
void Reload(const std::string& config_path, ShardSet& shards,
            ops::AccessLog& access_log, ops::MetricsRegistry& registry,
            SnapshotPtr& snapshot) {
  absl::Status reopened = access_log.Reopen();
  if (!reopened.ok()) {
    Logf(LogLevel::kWarn, "reload: access_log: %s",
         std::string(reopened.message()));
  }
  absl::StatusOr<SnapshotPtr> next = Snapshot::Load(config_path);
  absl::Status published = next.ok() ? shards.Publish(*next) : absl::OkStatus();
  if (!next.ok() || !published.ok()) {
    Logf(LogLevel::kError, "reload refused, old config stays:");
    LogConfigErrors(next.ok() ? published : next.status());
    registry.OnConfigReload(false);
    return;
  }
  const GatewaySettings& ng = (*next)->gateway();
  SetLogLevel(static_cast<LogLevel>(ng.log_level));
  absl::Status retarget = access_log.Retarget(TargetOf(ng), ng.access_log_path);
  if (!retarget.ok()) {
    Logf(LogLevel::kWarn, "reload: access_log: %s",
         std::string(retarget.message()));
  }
  snapshot = *next;
  registry.OnConfigReload(true);
  Logf(LogLevel::kInfo, "reloaded %s; listening on %s", config_path,
       ListenList(shards.listen_addresses()));
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int RunGateway(const std::string& config_path) {
  signal(SIGPIPE, SIG_IGN);  // sends use MSG_NOSIGNAL; belt and braces
  absl::StatusOr<SnapshotPtr> loaded = Snapshot::Load(config_path);
  if (!loaded.ok()) {
    LogConfigErrors(loaded.status());
    return 1;
  }
  SnapshotPtr snapshot = *loaded;
  // Start-up settings only: after a reload `snapshot` is the new one.
  const GatewaySettings& g = (*loaded)->gateway();
  SetLogLevel(static_cast<LogLevel>(g.log_level));
  RaiseFileLimit();

  // Signals are taken by the signalfd below: block them before any thread
  // starts so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  UniqueFd sigfd(signalfd(-1, &signals, SFD_CLOEXEC));
  if (!sigfd.valid()) {
    Logf(LogLevel::kError, "signalfd: %s", std::strerror(errno));
    return 1;
  }

  const int shard_count = ShardSet::ResolveShardCount(g);
  ops::MetricsRegistry registry(shard_count);
  absl::StatusOr<std::unique_ptr<ops::AccessLog>> access_log =
      ops::AccessLog::Create(ops::AccessLog::OptionsFor(g, shard_count));
  if (!access_log.ok()) {
    Logf(LogLevel::kError, "access_log: %s",
         std::string(access_log.status().message()));
    return 1;
  }
  registry.SetAccessLog(access_log->get());
  std::unique_ptr<ops::MetricsServer> metrics_server;
  if (g.metrics_listen.has_value()) {
    auto started = ops::MetricsServer::Start(*g.metrics_listen, &registry);
    if (!started.ok()) {
      Logf(LogLevel::kError, "metrics_listen: %s",
           std::string(started.status().message()));
      return 1;
    }
    metrics_server = std::move(*started);
  }

  ops::Notifier notifier;
  ShardSet::Options options;
  if (notifier.stale_after_ms() > 0) {
    // Idle shards must beat often enough for the watchdog to see them.
    options.shard.max_wait_ms = std::clamp<int64_t>(
        notifier.stale_after_ms() / 4, 1, options.shard.max_wait_ms);
  }
  options.metrics = &registry;
  options.access_log = access_log->get();
  absl::StatusOr<std::unique_ptr<ShardSet>> shards =
      ShardSet::Start(snapshot, options);
  if (!shards.ok()) {
    Logf(LogLevel::kError, "%s", std::string(shards.status().message()));
    registry.SetAccessLog(nullptr);
    return 1;
  }
  Logf(LogLevel::kInfo, "listening on %s (%d shards)%s",
       ListenList((*shards)->listen_addresses()), (*shards)->shard_count(),
       metrics_server != nullptr
           ? ", metrics on " + metrics_server->address().ToString()
           : std::string());
  notifier.Ready("serving");
  notifier.StartWatchdog(&registry);

  bool draining = false;
  int64_t drain_until = 0;
  for (;;) {
    if (draining) {
      if ((*shards)->Wait(50)) break;
      if (NowMs() > drain_until) {
        (*shards)->Stop();
        break;
      }
    }
    pollfd pfd{sigfd.get(), POLLIN, 0};
    if (poll(&pfd, 1, draining ? 0 : -1) <= 0) continue;
    signalfd_siginfo info;
    if (read(sigfd.get(), &info, sizeof(info)) != sizeof(info)) continue;
    if (info.ssi_signo == SIGHUP) {
      notifier.Reloading();
      Reload(config_path, **shards, **access_log, registry, snapshot);
      notifier.Ready("serving");
      continue;
    }
    // SIGTERM / SIGINT
    if (draining) {
      Logf(LogLevel::kWarn, "second signal: stopping now");
      (*shards)->Stop();
      break;
    }
    draining = true;
    drain_until = NowMs() + snapshot->gateway().drain_timeout_ms + 1000;
    Logf(LogLevel::kInfo, "draining (up to %u ms)",
         snapshot->gateway().drain_timeout_ms);
    registry.SetDraining(true);
    notifier.Stopping("draining");
    (*shards)->Drain();
  }
  notifier.StopWatchdog();
  shards->reset();
  if (metrics_server != nullptr) metrics_server->Stop();
  (*access_log)->Flush();
  registry.SetAccessLog(nullptr);
  Logf(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace jwtgate
