// Fetching and holding the key set of one remote source.
#include "jwks/remote_key_source.h"

#include "jwks/key_set_fingerprint.h"
#include "jwks/text.h"
#include "jwtgate/jwks/https_url.h"
#include "jwtgate/jwks/oidc_discovery.h"

namespace jwtgate::jwks {
namespace {

absl::Status Prefixed(const std::string& name, const absl::Status& status) {
  return absl::Status(status.code(), Cat("key ", name, ": ", status.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<RemoteKeySource>> RemoteKeySource::Create(
    RemoteKeySourceConfig config, const JwksFetcherOptions& options) {
  const std::string what = Cat("key ", config.name, ": ");
  if (config.name.empty()) {
    return absl::InvalidArgumentError("remote key source without a name");
  }
  if (config.jwks_url.empty() == config.oidc_issuer.empty()) {
    return absl::InvalidArgumentError(
        Cat(what, "set exactly one of jwks_url and oidc_issuer"));
  }
  const bool is_issuer = !config.oidc_issuer.empty();
  auto url = ParseHttpsUrl(is_issuer ? config.oidc_issuer : config.jwks_url);
  if (!url.ok()) {
    return absl::InvalidArgumentError(Cat(
        what,
        is_issuer ? "oidc_issuer: " : "jwks_url: ", url.status().message()));
  }
  if (config.min_refetch <= absl::ZeroDuration() ||
      config.refresh < config.min_refetch) {
    return absl::InvalidArgumentError(
        Cat(what, "need 0 < jwks_min_refetch <= jwks_refresh (have ",
            absl::FormatDuration(config.min_refetch), " and ",
            absl::FormatDuration(config.refresh), ")"));
  }
  HttpsClientOptions client_options;
  client_options.ca_file = config.ca_file;
  client_options.connect_timeout = options.connect_timeout;
  client_options.timeout = options.request_timeout;
  client_options.max_body_bytes = options.max_document_bytes;
  client_options.connect_to = options.connect_to;
  auto client = HttpsClient::Create(std::move(client_options));
  if (!client.ok()) return Prefixed(config.name, client.status());

  const ScheduleLimits limits{config.refresh, config.min_refetch,
                              options.backoff_initial, options.backoff_max};
  return std::unique_ptr<RemoteKeySource>(
      new RemoteKeySource(std::move(config), limits, *std::move(client)));
}

RemoteKeySource::RemoteKeySource(RemoteKeySourceConfig config,
                                 const ScheduleLimits& limits,
                                 std::unique_ptr<HttpsClient> client)
    : config_(std::move(config)),
      client_(std::move(client)),
      schedule_(limits) {}

absl::StatusOr<RemoteKeySource::Fetched> RemoteKeySource::Fetch(int cancel_fd) {
  std::string url = config_.jwks_url;
  if (!config_.oidc_issuer.empty()) {
    if (discovered_uri_.empty()) {
      auto uri = DiscoverJwksUri(*client_, config_.oidc_issuer, cancel_fd);
      if (!uri.ok()) {
        return absl::Status(
            uri.status().code(),
            Cat("key ", name(), ": OIDC discovery: ", uri.status().message()));
      }
      discovered_uri_ = *std::move(uri);
    }
    url = discovered_uri_;
  }
  auto response = client_->Get(url, cancel_fd);
  if (!response.ok()) {
    discovered_uri_.clear();  // the IdP may have moved its JWKS
    return Prefixed(name(), response.status());
  }
  Fetched fetched;
  if (auto parsed = ParseHttpsUrl(url); parsed.ok()) {
    fetched.url_for_log = parsed->ForLog();
  }
  auto keys = jwt::ParseJwks(name(), response->body);
  if (!keys.ok()) {
    // ParseJwks messages already start with "key NAME: ".
    return absl::Status(
        keys.status().code(),
        Cat(keys.status().message(), " (from ", fetched.url_for_log, ")"));
  }
  auto fingerprint = KeySetFingerprint(response->body);
  if (!fingerprint.ok()) return Prefixed(name(), fingerprint.status());
  fetched.keys = *std::move(keys);
  fetched.fingerprint = *std::move(fingerprint);
  fetched.max_age_seconds = response->max_age_seconds;
  return fetched;
}

bool RemoteKeySource::Install(const Fetched& fetched) {
  std::lock_guard<std::mutex> lock(keys_mu_);
  if (fetched.fingerprint == fingerprint_ && !keys_.empty()) return false;
  keys_ = fetched.keys;
  fingerprint_ = fetched.fingerprint;
  key_count_.store(static_cast<uint32_t>(keys_.size()),
                   std::memory_order_release);
  return true;
}

std::vector<jwt::KeyPtr> RemoteKeySource::keys() const {
  std::lock_guard<std::mutex> lock(keys_mu_);
  return keys_;
}

void RemoteKeySource::CopyStateFrom(const RemoteKeySource& other) {
  std::vector<jwt::KeyPtr> keys;
  std::string fingerprint;
  {
    std::lock_guard<std::mutex> lock(other.keys_mu_);
    keys = other.keys_;
    fingerprint = other.fingerprint_;
  }
  {
    std::lock_guard<std::mutex> lock(keys_mu_);
    keys_ = std::move(keys);
    fingerprint_ = std::move(fingerprint);
    key_count_.store(static_cast<uint32_t>(keys_.size()),
                     std::memory_order_release);
  }
  const JwksSourceStats s = other.stats();
  fetch_ok_.store(s.fetch_ok, std::memory_order_relaxed);
  fetch_error_.store(s.fetch_error, std::memory_order_relaxed);
  last_success_unix_.store(s.last_success_unix, std::memory_order_relaxed);
}

void RemoteKeySource::RecordSuccess(int64_t now_unix) {
  fetch_ok_.fetch_add(1, std::memory_order_relaxed);
  last_success_unix_.store(now_unix, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(keys_mu_);
  last_error_.clear();
}

void RemoteKeySource::RecordError(std::string message) {
  fetch_error_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(keys_mu_);
  last_error_ = std::move(message);
}

std::string RemoteKeySource::last_error() const {
  std::lock_guard<std::mutex> lock(keys_mu_);
  return last_error_;
}

JwksSourceStats RemoteKeySource::stats() const {
  JwksSourceStats s;
  s.fetch_ok = fetch_ok_.load(std::memory_order_relaxed);
  s.fetch_error = fetch_error_.load(std::memory_order_relaxed);
  s.last_success_unix = last_success_unix_.load(std::memory_order_relaxed);
  s.key_count = key_count_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace jwtgate::jwks
