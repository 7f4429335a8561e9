// File: src/shard/remote_key_feed.h
//
// The gateway's remote keys (SPEC §2 `jwks_url`, `oidc_issuer`): a
// JwksFetcher for the remote key sets of one loaded Snapshot (the base),
// and the Snapshots that hold their current keys, which the gateway runner
// publishes to the shards exactly like a reload. The fetcher runs on its
// own thread; when it installs a changed key set it only signals
// wake_fd(), and the control thread then calls Build() and publishes.
//
// Every Snapshot built here carries a KeyRefresher over the fetcher, so a
// shard that meets an unknown kid on a route with remote keys asks for a
// refetch (an atomic flag and, at most once per fetch, an eventfd write);
// the fetcher bounds the fetches to one per jwks_min_refetch.
//
// Ownership: owns the eventfd and shares the fetcher with the refresher of
// the Snapshots it built (shards may hold one after the feed is gone; the
// fetcher is stopped by then, so their requests are ignored). Thread rule:
// control thread only; wake_fd() is written by the fetcher thread.
#ifndef JWTGATE_SRC_SHARD_REMOTE_KEY_FEED_H_
#define JWTGATE_SRC_SHARD_REMOTE_KEY_FEED_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "jwtgate/common/unique_fd.h"
#include "jwtgate/jwks/jwks_fetcher.h"
#include "jwtgate/ops/metrics.h"
#include "jwtgate/route/snapshot.h"

namespace jwtgate {

class RemoteKeyFeed {
 public:
  // Start-up and reload wait this long for the first fetch of each set.
  static constexpr absl::Duration kFirstFetchWait = absl::Seconds(10);

  // A feed for the remote key sets of `base`, or null (OK) when it has
  // none. Nothing is fetched before Start().
  static absl::StatusOr<std::unique_ptr<RemoteKeyFeed>> Create(
      SnapshotPtr base, jwks::JwksFetcherOptions options = {});
  ~RemoteKeyFeed();  // stops the fetcher
  RemoteKeyFeed(const RemoteKeyFeed&) = delete;
  RemoteKeyFeed& operator=(const RemoteKeyFeed&) = delete;

  // Before Start (SIGHUP): takes over the keys and counters of every set
  // of `previous` whose settings are unchanged, so the new config starts
  // with them and Start() does not wait for them.
  void CarryOver(const RemoteKeyFeed& previous);
  // Starts fetching and waits up to `first_fetch_wait` until every set has
  // keys or a failed fetch. OK, or Unavailable naming the sets without
  // keys (for the log; the gateway starts anyway and keeps retrying).
  absl::Status Start(absl::Duration first_fetch_wait = kFirstFetchWait);

  // Readable when a key set changed since the last TakeWake().
  int wake_fd() const { return wake_fd_.get(); }
  void TakeWake();

  // The base snapshot with the current keys of every remote set.
  SnapshotPtr Build() const;
  // Renders the fetcher's jwtgate_jwks_* series (keeps the fetcher alive).
  ops::MetricsRegistry::SeriesRenderer MetricsRenderer() const;

  const jwks::JwksFetcher& fetcher() const { return *fetcher_; }

 private:
  RemoteKeyFeed(SnapshotPtr base, UniqueFd wake_fd);

  const SnapshotPtr base_;
  UniqueFd wake_fd_;  // destroyed after the fetcher stopped (see ~)
  std::shared_ptr<jwks::JwksFetcher> fetcher_;
  std::shared_ptr<const KeyRefresher> refresher_;
};

}  // namespace jwtgate

#endif  // JWTGATE_SRC_SHARD_REMOTE_KEY_FEED_H_
