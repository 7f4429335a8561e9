// File: src/jwks/remote_key_source.h
//
// One remote key source of a JwksFetcher: how to fetch its JWKS (URL, or
// OIDC issuer → discovered jwks_uri), its current key set with that set's
// identity, its refetch-request flag and its counters. Private to
// src/jwks.
//
// Ownership: owned by the JwksFetcher; owns its HttpsClient. Thread rules:
// Fetch() and schedule() belong to the fetcher thread; the refetch flag,
// the counters and keys() may be used from any thread (atomics, or
// keys_mu_ for the set).
#ifndef JWTGATE_SRC_JWKS_REMOTE_KEY_SOURCE_H_
#define JWTGATE_SRC_JWKS_REMOTE_KEY_SOURCE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "jwks/fetch_schedule.h"
#include "jwtgate/jwks/https_client.h"
#include "jwtgate/jwks/jwks_fetcher.h"
#include "jwtgate/jwt/key.h"

namespace jwtgate::jwks {

class RemoteKeySource {
 public:
  // Validates `config` (see JwksFetcher::Create) and builds its client.
  static absl::StatusOr<std::unique_ptr<RemoteKeySource>> Create(
      RemoteKeySourceConfig config, const JwksFetcherOptions& options);
  RemoteKeySource(const RemoteKeySource&) = delete;
  RemoteKeySource& operator=(const RemoteKeySource&) = delete;

  const RemoteKeySourceConfig& config() const { return config_; }
  const std::string& name() const { return config_.name; }

  // A fetched and parsed key set, not yet installed.
  struct Fetched {
    std::vector<jwt::KeyPtr> keys;
    std::string fingerprint;
    std::optional<int64_t> max_age_seconds;
    std::string url_for_log;
  };
  // Fetcher thread: discovery when needed (the jwks_uri is remembered until
  // a JWKS fetch fails), GET, parse. Messages start with "key NAME: ".
  absl::StatusOr<Fetched> Fetch(int cancel_fd);
  FetchSchedule& schedule() { return schedule_; }

  // Refetch requests (any thread). Returns true for the call that raised
  // the flag (that caller wakes the fetcher); false while it is raised. The
  // fetcher clears it when a fetch starts.
  bool RaiseRefetch() {
    if (refetch_.load(std::memory_order_relaxed)) return false;
    return !refetch_.exchange(true, std::memory_order_acq_rel);
  }
  bool refetch_requested() const {
    return refetch_.load(std::memory_order_acquire);
  }
  void ClearRefetch() { refetch_.store(false, std::memory_order_release); }

  // Installs `fetched` if its identity differs from the current set's;
  // returns whether it did.
  bool Install(const Fetched& fetched);
  std::vector<jwt::KeyPtr> keys() const;
  bool has_keys() const {
    return key_count_.load(std::memory_order_acquire) > 0;
  }
  // Takes over the set, identity and counters of `other` (same config).
  void CopyStateFrom(const RemoteKeySource& other);

  void RecordSuccess(int64_t now_unix);
  void RecordError(std::string message);
  std::string last_error() const;
  JwksSourceStats stats() const;

 private:
  RemoteKeySource(RemoteKeySourceConfig config, const ScheduleLimits& limits,
                  std::unique_ptr<HttpsClient> client);

  const RemoteKeySourceConfig config_;
  const std::unique_ptr<HttpsClient> client_;
  FetchSchedule schedule_;      // fetcher thread
  std::string discovered_uri_;  // fetcher thread; empty: discover first

  // Written by any shard, so kept off the counters' cache line.
  alignas(64) std::atomic<bool> refetch_{false};

  alignas(64) std::atomic<uint64_t> fetch_ok_{0};
  std::atomic<uint64_t> fetch_error_{0};
  std::atomic<int64_t> last_success_unix_{0};
  std::atomic<uint32_t> key_count_{0};

  mutable std::mutex keys_mu_;
  std::vector<jwt::KeyPtr> keys_;  // guarded by keys_mu_
  std::string fingerprint_;        // guarded by keys_mu_
  std::string last_error_;         // guarded by keys_mu_
};

}  // namespace jwtgate::jwks

#endif  // JWTGATE_SRC_JWKS_REMOTE_KEY_SOURCE_H_
