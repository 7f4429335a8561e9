// RunGateway: load, start the remote-key fetcher and the shards, then only
// wait for signals and new key sets. Reload (SIGHUP), key updates and drain
// (SIGTERM/SIGINT) are orchestrated here, off the shards.
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
#include "absl/time/time.h"
#include "jwtgate/common/log.h"
#include "jwtgate/common/unique_fd.h"
#include "jwtgate/ops/access_log.h"
#include "jwtgate/ops/metrics.h"
#include "jwtgate/ops/metrics_server.h"
#include "jwtgate/ops/notifier.h"
#include "jwtgate/route/snapshot.h"
#include "jwtgate/shard/shard_set.h"
#include "shard/remote_key_feed.h"

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
// complete one is published. Remote key sets whose settings did not change
// keep their keys (the new fetcher takes them over); new ones are awaited
// like at start-up. On success `snapshot` and `feed` become the new ones
// (the old fetcher stops); on failure both stay.
void Reload(const std::string& config_path, ShardSet& shards,
            ops::AccessLog& access_log, ops::MetricsRegistry& registry,
            std::unique_ptr<RemoteKeyFeed>& feed, SnapshotPtr& snapshot) {
  absl::Status reopened = access_log.Reopen();
  if (!reopened.ok()) {
    Logf(LogLevel::kWarn, "reload: access_log: %s",
         std::string(reopened.message()));
  }
  absl::StatusOr<SnapshotPtr> next = Snapshot::Load(config_path);
  absl::Status status = next.status();
  std::unique_ptr<RemoteKeyFeed> next_feed;
  if (status.ok()) {
    absl::StatusOr<std::unique_ptr<RemoteKeyFeed>> created =
        RemoteKeyFeed::Create(*next);
    if (created.ok()) {
      next_feed = *std::move(created);
    } else {
      status = created.status();
    }
  }
  SnapshotPtr published;
  if (status.ok()) {
    published = *next;
    if (next_feed != nullptr) {
      if (feed != nullptr) next_feed->CarryOver(*feed);
      absl::Status first = next_feed->Start();
      if (!first.ok()) {
        Logf(LogLevel::kWarn, "reload: %s", std::string(first.message()));
      }
      published = next_feed->Build();
    }
    status = shards.Publish(published);
  }
  if (!status.ok()) {
    Logf(LogLevel::kError, "reload refused, old config stays:");
    LogConfigErrors(status);
    registry.OnConfigReload(false);
    return;  // next_feed (if any) stops here
  }
  const GatewaySettings& ng = published->gateway();
  const GatewaySettings& og = snapshot->gateway();
  // Settings read once at start: say so rather than ignore them silently.
  if (ng.shards != og.shards) {
    Logf(LogLevel::kWarn, "reload: shards changed; it applies after a restart");
  }
  if (!(ng.metrics_listen == og.metrics_listen)) {
    Logf(LogLevel::kWarn,
         "reload: metrics_listen changed; it applies after a restart");
  }
  SetLogLevel(static_cast<LogLevel>(ng.log_level));
  absl::Status retarget = access_log.Retarget(TargetOf(ng), ng.access_log_path);
  if (!retarget.ok()) {
    Logf(LogLevel::kWarn, "reload: access_log: %s",
         std::string(retarget.message()));
  }
  snapshot = published;
  feed = std::move(next_feed);  // the old fetcher stops here
  registry.SetExtraSeries(feed != nullptr
                              ? feed->MetricsRenderer()
                              : ops::MetricsRegistry::SeriesRenderer());
  registry.OnConfigReload(true);
  Logf(LogLevel::kInfo, "reloaded %s; listening on %s", config_path,
       ListenList(shards.listen_addresses()));
}

// The fetcher installed a changed key set: publish the config with it,
// through the same path as a reload (each shard switches between requests
// and drops its token cache, so a token verified with a key that is gone is
// checked again, and refused).
void PublishRemoteKeys(RemoteKeyFeed& feed, ShardSet& shards,
                       SnapshotPtr& snapshot) {
  feed.TakeWake();
  SnapshotPtr next = feed.Build();
  absl::Status published = shards.Publish(next);
  if (!published.ok()) {
    Logf(LogLevel::kError, "jwks: new keys not published: %s",
         std::string(published.message()));
    return;
  }
  snapshot = next;
  Logf(LogLevel::kDebug, "jwks: new key set published to the shards");
}

// Start-up: the first fetch of every remote key set is awaited up to a
// bound; then the gateway starts anyway (tokens for a set without keys get
// 401) and the fetcher keeps retrying with backoff.
absl::StatusOr<std::unique_ptr<RemoteKeyFeed>> StartRemoteKeys(
    SnapshotPtr loaded, ops::MetricsRegistry& registry) {
  absl::StatusOr<std::unique_ptr<RemoteKeyFeed>> feed =
      RemoteKeyFeed::Create(std::move(loaded));
  if (!feed.ok() || *feed == nullptr) return feed;
  registry.SetExtraSeries((*feed)->MetricsRenderer());
  const size_t n = (*feed)->fetcher().source_count();
  Logf(LogLevel::kInfo, "jwks: fetching %d remote key set%s (waiting up to %s)",
       static_cast<int>(n), n == 1 ? "" : "s",
       absl::FormatDuration(RemoteKeyFeed::kFirstFetchWait));
  absl::Status first = (*feed)->Start();
  if (!first.ok()) {
    Logf(LogLevel::kWarn, "jwks: %s", std::string(first.message()));
  }
  return feed;
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
  // After the signal mask (the fetcher thread must not take SIGHUP) and the
  // metrics listener (a scrape during the wait shows the fetch errors).
  absl::StatusOr<std::unique_ptr<RemoteKeyFeed>> started_feed =
      StartRemoteKeys(snapshot, registry);
  if (!started_feed.ok()) {
    Logf(LogLevel::kError, "%s", std::string(started_feed.status().message()));
    registry.SetAccessLog(nullptr);
    return 1;
  }
  std::unique_ptr<RemoteKeyFeed> feed = *std::move(started_feed);
  if (feed != nullptr) snapshot = feed->Build();

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
    registry.SetExtraSeries({});
    return 1;
  }
  Logf(LogLevel::kInfo, "listening on %s (%d shards)%s",
       ListenList((*shards)->listen_addresses()), (*shards)->shard_count(),
       metrics_server != nullptr
           ? ", metrics on " + metrics_server->address().ToString()
           : std::string());
  registry.SetServing(true);
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
    // While draining, key updates are left alone (the shards are ending).
    pollfd pfds[2] = {
        {sigfd.get(), POLLIN, 0},
        {feed != nullptr && !draining ? feed->wake_fd() : -1, POLLIN, 0}};
    if (poll(pfds, 2, draining ? 0 : -1) <= 0) continue;
    if ((pfds[1].revents & POLLIN) != 0) {
      PublishRemoteKeys(*feed, **shards, snapshot);
    }
    if ((pfds[0].revents & POLLIN) == 0) continue;
    signalfd_siginfo info;
    if (read(sigfd.get(), &info, sizeof(info)) != sizeof(info)) continue;
    if (info.ssi_signo == SIGHUP) {
      notifier.Reloading();
      Reload(config_path, **shards, **access_log, registry, feed, snapshot);
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
  registry.SetExtraSeries({});
  feed.reset();
  (*access_log)->Flush();
  registry.SetAccessLog(nullptr);
  Logf(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace jwtgate
