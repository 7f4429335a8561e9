// File: tests/jwks/fetcher_fixture.h
//
// Shared fixture of the JwksFetcher tests: a real HTTPS "IdP" on 127.0.0.1
// (CA and keys made at test time), a recorder of delivered key sets, and
// bounded waits. Header-only (the suite builds only *_test.cc files).
#ifndef JWTGATE_TESTS_JWKS_FETCHER_FIXTURE_H_
#define JWTGATE_TESTS_JWKS_FETCHER_FIXTURE_H_

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "jwks/text.h"
#include "jwtgate/jwks/jwks_fetcher.h"
#include "tests/testing/test_https_server.h"
#include "tests/testing/test_pki.h"

namespace jwtgate::jwks::testing {

// The shared IdP pieces (tests/testing), under the names these tests use.
using ::jwtgate::testing::JwkJson;
using ::jwtgate::testing::JwksJson;
using ::jwtgate::testing::NewEcKey;
using ::jwtgate::testing::NewEd25519Key;
using ::jwtgate::testing::NewRsaKey;
using ::jwtgate::testing::PkeyPtr;
using ::jwtgate::testing::Sign;
using ::jwtgate::testing::TestHttpsServer;
using ::jwtgate::testing::TestPki;

// Signing keys, made once: one RSA (the Auth0 case) and Ed25519 ones.
struct Keys {
  PkeyPtr rsa = testing::NewRsaKey();
  PkeyPtr ed1 = testing::NewEd25519Key();
  PkeyPtr ed2 = testing::NewEd25519Key();
  PkeyPtr ec = testing::NewEcKey();
  static const Keys& Get() {
    static const Keys* keys = new Keys;
    return *keys;
  }
};

// Records on_keys calls.
class Deliveries {
 public:
  KeysCallback Callback() {
    return [this](const std::string& name, std::vector<jwt::KeyPtr> keys) {
      std::lock_guard<std::mutex> lock(mu_);
      names_.push_back(name);
      sets_.push_back(std::move(keys));
      cv_.notify_all();
    };
  }
  bool WaitFor(size_t n,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return sets_.size() >= n; });
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return sets_.size();
  }
  std::vector<jwt::KeyPtr> set(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return sets_.at(i);
  }
  std::string name(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return names_.at(i);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> names_;
  std::vector<std::vector<jwt::KeyPtr>> sets_;
};

inline std::vector<std::string> Kids(const std::vector<jwt::KeyPtr>& keys) {
  std::vector<std::string> kids;
  for (const auto& k : keys) kids.push_back(k->kid());
  std::sort(kids.begin(), kids.end());
  return kids;
}

inline const jwt::Key* FindKid(const std::vector<jwt::KeyPtr>& keys,
                               std::string_view kid) {
  for (const auto& k : keys) {
    if (k->kid() == kid) return k.get();
  }
  return nullptr;
}

// Polls `pred` until true or `timeout` (for counters that have no event).
template <typename Pred>
bool WaitUntil(Pred pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

class JwksFetcherTest : public ::testing::Test {
 protected:
  const Keys& keys_ = Keys::Get();
  TestHttpsServer idp_{TestPki::Get().server};
  Deliveries deliveries_;

  RemoteKeySourceConfig Source(
      absl::Duration refresh = absl::Hours(1),
      absl::Duration min_refetch = absl::Milliseconds(100)) {
    RemoteKeySourceConfig c;
    c.name = "idp";
    c.jwks_url = idp_.Url("/.well-known/jwks.json");
    c.refresh = refresh;
    c.min_refetch = min_refetch;
    c.ca_file = TestPki::Get().ca_file;
    return c;
  }
  JwksFetcherOptions Options() {
    JwksFetcherOptions o;
    o.on_keys = deliveries_.Callback();
    o.backoff_initial = absl::Milliseconds(50);
    o.backoff_max = absl::Milliseconds(200);
    o.request_timeout = absl::Seconds(5);
    return o;
  }
  std::unique_ptr<JwksFetcher> Start(RemoteKeySourceConfig source,
                                     JwksFetcherOptions options) {
    std::vector<RemoteKeySourceConfig> sources;
    sources.push_back(std::move(source));
    auto fetcher = JwksFetcher::Create(std::move(sources), std::move(options));
    EXPECT_TRUE(fetcher.ok()) << fetcher.status();
    if (!fetcher.ok()) return nullptr;
    (*fetcher)->Start();
    return *std::move(fetcher);
  }
  void Publish(const std::vector<std::string>& jwks,
               std::string extra_headers = "") {
    idp_.SetJson(kPath, JwksJson(jwks), std::move(extra_headers));
  }
  std::string Jwk(const PkeyPtr& key, std::string_view kid) {
    return JwkJson(key.get(), kid);
  }

  static constexpr char kPath[] = "/.well-known/jwks.json";
};

}  // namespace jwtgate::jwks::testing

#endif  // JWTGATE_TESTS_JWKS_FETCHER_FIXTURE_H_
