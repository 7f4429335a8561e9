// File: tests/testing/gateway_fixture.h
//
// GatewayFixture runs the real `jwtgate` binary (JWTGATE_BINARY) in front of
// the real jwtgate_test_upstream (JWTGATE_TEST_UPSTREAM) on free 127.0.0.1
// ports, for the integration suite. StartGateway() writes a temporary ini
// (the test world below), starts both programs, and waits until their ports
// accept. TearDown() fails the test if jwtgate died on its own, stops both
// by PID, and prints the tail of jwtgate's stderr when the test failed.
//
// The test world (DefaultSections), all routes pointing at the test
// upstream unless noted; secrets are random per test and passed by env:
//
//   key test      HS256, secret_env JWTGATE_TEST_SECRET (secret())
//   key rotated   HS256, secret_env JWTGATE_TEST_SECRET2, kid = k1
//   key ec        ES256, public_key_file = the EcP256() test key
//   /public/      auth = off
//   /public/ + host internal.example.com   auth = required (keys test)
//   /api/         keys test, rotated; issuer kIssuer; audience kAudience;
//                 claim_header email X-Auth-Email, roles X-Auth-Roles,
//                 org.id X-Auth-Org
//   /scoped/      keys test; require = scope contains read:messages
//   /cookie/      keys test; token_cookie = access_token
//   /strip/       keys test; strip_authorization = true
//   /ec/          keys ec
//   /dead/        auth = off; upstream = a port nobody listens on
//   /blackhole/   auth = off; upstream = a listener whose accept queue is
//                 full, so connects hang (connect-timeout tests)
//   anything else: no route (404)
//
// Thread rule: like any gtest fixture, used from the test's thread.
#ifndef JWTGATE_TESTS_TESTING_GATEWAY_FIXTURE_H_
#define JWTGATE_TESTS_TESTING_GATEWAY_FIXTURE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "jwtgate/common/unique_fd.h"
#include "jwtgate/jwt/mint.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"

namespace jwtgate::testing {

inline constexpr char kItIssuer[] = "https://issuer.jwtgate.test/";
inline constexpr char kItAudience[] = "api://jwtgate-test";
inline constexpr char kItSubject[] = "user-1";

// Settings of one test's gateway. Durations and sizes use the ini syntax.
struct GatewayConfig {
  int shards = 1;
  std::string max_header_bytes = "16k";
  std::string max_body_bytes = "0";
  std::string client_header_timeout = "5s";
  std::string client_idle_timeout = "60s";
  std::string upstream_connect_timeout = "1s";
  std::string upstream_timeout = "5s";
  std::string drain_timeout = "3s";
  std::string access_log = "stderr";
  std::string gateway_extra;  // further [gateway] lines
  // Replaces DefaultSections() when set. Placeholders, in both this and
  // extra_sections: {upstream} {dead} {blackhole} (host:port), {tmp} (the
  // test's temp dir), {issuer}, {audience}.
  std::optional<std::string> sections;
  std::string extra_sections;
  int upstream_threads = 1;
};

// The ini sections of the test world (see the file comment).
std::string DefaultSections();

// A request as the test upstream's /echo reported it.
struct EchoedRequest {
  std::string method, target, version;
  HeaderList headers, trailers;
  uint64_t body_length = 0;
  std::string body_sha256;
  bool chunked = false;
  uint64_t connection_id = 0;
  uint64_t request_index = 0;

  std::optional<std::string> Header(std::string_view name) const;
  std::vector<std::string> HeaderValues(std::string_view name) const;
  size_t HeaderCount(std::string_view name) const;
};

// Parses an /echo answer; an error unless it is a 200 with the echo JSON.
absl::StatusOr<EchoedRequest> ParseEcho(const HttpResponse& response);

// The gateway's own error body {"error":"...","message":"..."}: error if
// the body is not such JSON (both strings, message non-empty).
absl::StatusOr<std::string> ErrorField(const HttpResponse& response);

struct UpstreamCounters {
  uint64_t connections = 0;
  uint64_t requests = 0;  // not counting /stats
};

class GatewayFixture : public ::testing::Test {
 public:
  // Wall-clock Unix seconds (jwtgate checks tokens against the real clock).
  static int64_t Now();

 protected:
#if defined(JWTGATE_BINARY) && defined(JWTGATE_TEST_UPSTREAM)
  // The programs CMake built for this test suite.
  GatewayFixture() : GatewayFixture(JWTGATE_BINARY, JWTGATE_TEST_UPSTREAM) {}
#endif
  GatewayFixture(std::string gateway_binary, std::string upstream_binary);
  ~GatewayFixture() override;
  void TearDown() override;

  // Starts upstream + jwtgate. Failures are fatal test failures, so call it
  // as ASSERT_NO_FATAL_FAILURE(StartGateway(config)).
  void StartGateway(const GatewayConfig& config = {});

  uint16_t port() const { return port_; }
  uint16_t metrics_port() const { return metrics_port_; }
  uint16_t upstream_port() const { return upstream_port_; }
  const std::string& secret() const { return secret_; }
  const std::string& secret2() const { return secret2_; }
  const std::string& temp_dir() const { return temp_dir_; }
  Process& gateway() { return *gateway_; }

  // A new client connection to the gateway.
  absl::StatusOr<HttpClient> Connect();
  // `raw` on a fresh connection; one response.
  absl::StatusOr<HttpResponse> Exchange(std::string_view raw,
                                        const ReadOptions& options = {});
  absl::StatusOr<HttpResponse> Get(std::string_view target,
                                   const HeaderList& headers = {});
  // GET with `Authorization: Bearer token`.
  absl::StatusOr<HttpResponse> GetWithToken(std::string_view target,
                                            std::string_view token,
                                            const HeaderList& headers = {});

  // Mint options of a valid token for /api/ (HS256 with secret(), iss
  // kItIssuer, aud kItAudience, sub kItSubject, now = wall clock, ttl 1h,
  // email and scope "openid read:messages").
  jwt::MintOptions ValidClaims() const;
  // Signs `options`; a signing error fails the test and returns "".
  std::string Mint(const jwt::MintOptions& options) const;
  std::string ValidToken() const { return Mint(ValidClaims()); }
  // Signs arbitrary header/payload JSON (HS256 family) with `secret`.
  std::string SignRaw(jwt::Alg alg, std::string_view header_json,
                      std::string_view payload_json,
                      std::string_view secret) const;

  // GET /stats on the upstream directly (not through the gateway).
  UpstreamCounters QueryUpstream();
  // Kills the test upstream (its sockets close under the gateway's pooled
  // connections) and starts a fresh one on the same port; counters restart.
  void RestartUpstream();

  // Stops jwtgate with `sig` and waits; returns its wait status. After
  // this, TearDown no longer expects it to be running.
  int StopGateway(int sig = SIGTERM,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // jwtgate's stderr so far.
  std::string GatewayLog() const;

 private:
  std::string Expand(std::string text) const;
  void OpenBlackhole();
  // One attempt with fresh ports; false (with *why) when a port was lost to
  // a race, so the caller retries.
  bool TryStart(const GatewayConfig& config, std::string* why);

  absl::Status StartUpstream(int threads);

  const std::string gateway_binary_;
  const std::string upstream_binary_;
  std::string temp_dir_;
  std::string secret_, secret2_;
  uint16_t port_ = 0, metrics_port_ = 0, upstream_port_ = 0, dead_port_ = 0;
  uint16_t blackhole_port_ = 0;
  std::vector<UniqueFd> reserved_;  // see ReservePort
  UniqueFd blackhole_;
  std::vector<UniqueFd> blackhole_fillers_;
  std::optional<Process> upstream_;
  std::optional<Process> gateway_;
  bool gateway_stopped_ = false;
  int upstream_threads_ = 1;
  // Upstream connections that were not the gateway's: the start-up probe
  // and every QueryUpstream.
  uint64_t upstream_aux_connections_ = 0;
};

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_TESTING_GATEWAY_FIXTURE_H_
