// File: jwtgate/jwks/jwks_fetcher.h
//
// Remote keys (SPEC §2 `jwks_url`, `oidc_issuer`): one background thread
// keeps the key set of every remote source of a config fresh, off the
// shards. Per source it fetches the JWKS (after OIDC discovery when the
// source is an issuer), parses it with jwt::ParseJwks, and hands a changed
// set to `on_keys`; a failed fetch keeps the last good set and is retried
// with jittered exponential backoff. `Cache-Control: max-age` sets the next
// refresh within [min_refetch, refresh]. RequestRefetch (unknown kid) asks
// for an early refetch, at most one per `min_refetch` per source however
// often it is called.
//
// Usage (the gateway runner):
//   auto fetcher = JwksFetcher::Create(sources, {.on_keys = Publish});
//   (*fetcher)->Start();
//   absl::Status first = (*fetcher)->WaitForFirst(absl::Seconds(10));
//   if (!first.ok()) Logf(kWarn, "%s", first.message());  // start anyway
//   ... shards: fetcher->RequestRefetch(index) on an unknown kid ...
//   (*fetcher)->Stop();
//
// Ownership: owns its thread, one HttpsClient per source, and the current
// key sets. Thread rules: Create/CarryOver/Start from one control thread;
// Stop from it too, or again (a no-op) from any thread once the control
// thread has stopped it; RequestRefetch, stats, CurrentKeys,
// RenderPrometheus, WaitForFirst and WaitForFirstFetch from any thread.
// `on_keys` runs on the fetcher thread, one call at a time, in fetch order;
// it must not call Stop().
#ifndef JWTGATE_JWKS_JWKS_FETCHER_H_
#define JWTGATE_JWKS_JWKS_FETCHER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "jwtgate/common/unique_fd.h"
#include "jwtgate/jwks/https_client.h"
#include "jwtgate/jwt/key.h"

namespace jwtgate::jwks {

class RemoteKeySource;

// One [key NAME] section whose keys live at an IdP.
struct RemoteKeySourceConfig {
  std::string name;         // names the keys (Key::name()) and metric labels
  std::string jwks_url;     // https URL of the JWKS, or
  std::string oidc_issuer;  // issuer URL: jwks_uri found by OIDC discovery
  absl::Duration refresh = absl::Minutes(10);      // jwks_refresh
  absl::Duration min_refetch = absl::Seconds(30);  // jwks_min_refetch
  std::string ca_file;                             // empty: system CA store

  bool operator==(const RemoteKeySourceConfig&) const = default;
};

// Receives a source's new key set (never empty: ParseJwks refuses a JWKS
// without a usable key).
using KeysCallback = std::function<void(const std::string& source_name,
                                        std::vector<jwt::KeyPtr> keys)>;

struct JwksFetcherOptions {
  KeysCallback on_keys;
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration request_timeout = absl::Seconds(10);
  // Retry after a failed fetch: initial, doubled per consecutive failure,
  // capped at min(backoff_max, refresh), each delay jittered to [d/2, d].
  absl::Duration backoff_initial = absl::Seconds(1);
  absl::Duration backoff_max = absl::Minutes(1);
  size_t max_document_bytes = kMaxKeyDocumentBytes;
  // Tests only: see HttpsClientOptions::connect_to.
  std::string connect_to;
};

// A source's counters, read without locks.
struct JwksSourceStats {
  uint64_t fetch_ok = 0;
  uint64_t fetch_error = 0;
  int64_t last_success_unix = 0;  // 0: never
  uint32_t key_count = 0;         // keys in the current set
};

class JwksFetcher {
 public:
  // Validates the sources: unique non-empty names, exactly one of jwks_url /
  // oidc_issuer and it an https URL, 0 < min_refetch <= refresh, a readable
  // ca_file. Messages start with "key NAME: ".
  static absl::StatusOr<std::unique_ptr<JwksFetcher>> Create(
      std::vector<RemoteKeySourceConfig> sources, JwksFetcherOptions options);
  ~JwksFetcher();  // Stop()s
  JwksFetcher(const JwksFetcher&) = delete;
  JwksFetcher& operator=(const JwksFetcher&) = delete;

  // Before Start (config reload): takes over the current key set, its
  // identity and the counters of every source of `previous` whose config is
  // identical, so the new gateway config starts with those keys and
  // WaitForFirst does not wait for them. They are refetched at Start, and
  // delivered again only if they changed.
  void CarryOver(const JwksFetcher& previous);

  // Starts the thread; every source is fetched at once.
  void Start();
  // Cancels a fetch in progress and joins the thread. Idempotent.
  void Stop();

  // Blocks until every source has a key set, or `timeout`. OK, or
  // Unavailable naming each source still without keys and its last error.
  absl::Status WaitForFirst(absl::Duration timeout) const;
  // The same, but it also stops waiting for a source once a fetch of it
  // since Start() has failed (the gateway's start-up: it starts at once
  // when an IdP refuses, and keeps retrying in the background).
  absl::Status WaitForFirstFetch(absl::Duration timeout) const;

  size_t source_count() const { return sources_.size(); }
  // Index of a source by name (resolve once, off the request path); -1.
  int SourceIndex(std::string_view name) const;
  const std::string& SourceName(int index) const;

  // Asks for an early refetch of a source (a token named a kid it does not
  // know). Lock-free and allocation-free: an atomic flag, and for the first
  // request since the last fetch started one eventfd write that wakes the
  // fetcher thread; never blocks on a fetch. The refetch runs
  // `min_refetch` after the previous fetch of that source started (at once
  // if that is past); all requests until it starts are served by it, and a
  // request made during a fetch leads to one more fetch (the running one
  // may predate the key).
  void RequestRefetch(int index);
  void RequestRefetch(std::string_view name) {
    RequestRefetch(SourceIndex(name));
  }

  // The current key set of a source (empty before its first success).
  std::vector<jwt::KeyPtr> CurrentKeys(int index) const;
  JwksSourceStats stats(int index) const;

  // jwtgate_jwks_fetch_total{key,result}, jwtgate_jwks_keys{key} and
  // jwtgate_jwks_key_set_age_seconds{key} (only for sources that have a
  // set) in Prometheus text format, `now_unix` giving the age.
  std::string RenderPrometheus(int64_t now_unix) const;

 private:
  JwksFetcher(std::vector<std::unique_ptr<RemoteKeySource>> sources,
              JwksFetcherOptions options, UniqueFd cancel_fd, UniqueFd wake_fd);
  void Run();
  // Sleeps until `due` (SteadyTime::max(): no timeout), a refetch request
  // or Stop.
  void Sleep(std::chrono::steady_clock::time_point due);
  void FetchAndDeliver(size_t index);
  absl::Status Wait(absl::Duration timeout, bool until_first_fetch) const;

  const JwksFetcherOptions options_;
  const std::vector<std::unique_ptr<RemoteKeySource>> sources_;
  const absl::flat_hash_map<std::string, int> index_by_name_;
  UniqueFd cancel_fd_;  // eventfd: written by Stop() to abort a fetch
  UniqueFd wake_fd_;    // eventfd: written by RequestRefetch

  // The thread sleeps in poll() on both eventfds until the next due fetch.
  std::atomic<bool> stopping_{false};
  std::mutex thread_mu_;  // Start/Stop
  std::thread thread_;

  // Signalled after a source's fetch (WaitForFirst, WaitForFirstFetch).
  mutable std::mutex first_mu_;
  mutable std::condition_variable first_cv_;
  std::vector<bool> fetched_once_;  // guarded by first_mu_: a fetch ended
};

}  // namespace jwtgate::jwks

#endif  // JWTGATE_JWKS_JWKS_FETCHER_H_
