// RemoteKeyFeed: the JWKS fetcher of one config and the Snapshots holding
// its key sets.
#include "shard/remote_key_feed.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "jwtgate/common/clock.h"

namespace jwtgate {
namespace {

// The shards' way to the fetcher: RemoteKeySet ids are the fetcher's
// source indices (both in config order).
class FetcherRefresher : public KeyRefresher {
 public:
  explicit FetcherRefresher(std::shared_ptr<jwks::JwksFetcher> fetcher)
      : fetcher_(std::move(fetcher)) {}
  void RequestRefetch(uint32_t remote_key_set_id) const override {
    fetcher_->RequestRefetch(static_cast<int>(remote_key_set_id));
  }

 private:
  const std::shared_ptr<jwks::JwksFetcher> fetcher_;
};

jwks::RemoteKeySourceConfig SourceFor(const RemoteKeySet& set) {
  jwks::RemoteKeySourceConfig c;
  c.name = set.name;
  c.jwks_url = set.jwks_url;
  c.oidc_issuer = set.oidc_issuer;
  c.refresh = absl::Milliseconds(set.refresh_ms);
  c.min_refetch = absl::Milliseconds(set.min_refetch_ms);
  c.ca_file = set.ca_file;
  return c;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RemoteKeyFeed>> RemoteKeyFeed::Create(
    SnapshotPtr base, jwks::JwksFetcherOptions options) {
  if (base->remote_key_sets().empty()) return nullptr;
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) {
    return absl::InternalError(std::string("eventfd: ") + std::strerror(errno));
  }
  std::vector<jwks::RemoteKeySourceConfig> sources;
  for (const RemoteKeySet& set : base->remote_key_sets()) {
    sources.push_back(SourceFor(set));
  }
  const int fd = wake.get();
  options.on_keys = [fd](const std::string&, std::vector<jwt::KeyPtr>) {
    const uint64_t one = 1;
    ssize_t unused = ::write(fd, &one, sizeof(one));
    (void)unused;
  };
  absl::StatusOr<std::unique_ptr<jwks::JwksFetcher>> fetcher =
      jwks::JwksFetcher::Create(std::move(sources), std::move(options));
  if (!fetcher.ok()) return fetcher.status();
  std::unique_ptr<RemoteKeyFeed> feed(
      new RemoteKeyFeed(std::move(base), std::move(wake)));
  feed->fetcher_ = *std::move(fetcher);
  feed->refresher_ = std::make_shared<FetcherRefresher>(feed->fetcher_);
  return feed;
}

RemoteKeyFeed::RemoteKeyFeed(SnapshotPtr base, UniqueFd wake_fd)
    : base_(std::move(base)), wake_fd_(std::move(wake_fd)) {}

RemoteKeyFeed::~RemoteKeyFeed() {
  // Before wake_fd_ closes: on_keys writes to it from the fetcher thread.
  if (fetcher_ != nullptr) fetcher_->Stop();
}

void RemoteKeyFeed::CarryOver(const RemoteKeyFeed& previous) {
  fetcher_->CarryOver(*previous.fetcher_);
}

absl::Status RemoteKeyFeed::Start(absl::Duration first_fetch_wait) {
  fetcher_->Start();
  return fetcher_->WaitForFirstFetch(first_fetch_wait);
}

void RemoteKeyFeed::TakeWake() {
  uint64_t count = 0;
  ssize_t unused = ::read(wake_fd_.get(), &count, sizeof(count));
  (void)unused;
}

SnapshotPtr RemoteKeyFeed::Build() const {
  std::vector<std::vector<jwt::KeyPtr>> sets;
  for (size_t i = 0; i < fetcher_->source_count(); ++i) {
    sets.push_back(fetcher_->CurrentKeys(static_cast<int>(i)));
  }
  return base_->WithRemoteKeys(sets, refresher_);
}

ops::MetricsRegistry::SeriesRenderer RemoteKeyFeed::MetricsRenderer() const {
  return [fetcher = fetcher_] {
    return fetcher->RenderPrometheus(SystemClock::Get().UnixSeconds());
  };
}

}  // namespace jwtgate
