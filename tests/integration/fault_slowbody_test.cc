// Issue 8 fault test: a client that uploads its body slowly, pausing longer
// than upstream_timeout between parts while the upstream waits for the
// rest. upstream_timeout is "no upstream byte for this long" (SPEC §2), and
// an upstream owes no byte before it has the request: the pause must not
// turn into a 504 (nginx's proxy_read_timeout starts once the request is
// sent; proxy_send_timeout only runs while a write to the upstream waits).
// Fails against jwtgate at 6c18f40: 504 after upstream_timeout (the timer
// re-armed by each upstream send runs out while the client pauses); the
// spliced case failed the same way until the splice pump handed the wait to
// the client's timer. A pause longer than client_idle_timeout is 408.
#include <chrono>
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/fault_fixture.h"
#include "tests/testing/upstream/pattern.h"

namespace jwtgate::testing {
namespace {

using std::chrono::milliseconds;

// Body sizes: one under splice_threshold (copied through buffers) and one
// far above it (spliced socket -> pipe -> socket after the first part).
struct SlowBodyCase {
  const char* name;
  size_t size;
  size_t first_part;
};

class FaultSlowBodyTest : public FaultFixture,
                          public ::testing::WithParamInterface<SlowBodyCase> {
 protected:
  // Connects and sends the head and the first part of the body.
  absl::StatusOr<HttpClient> StartUpload(const std::string& body) {
    absl::StatusOr<HttpClient> c = Connect();
    if (!c.ok()) return c.status();
    absl::Status sent = c->Send(
        BuildRequest("POST", "/public/echo",
                     {{"Content-Length", std::to_string(body.size())}}) +
        body.substr(0, GetParam().first_part));
    if (!sent.ok()) return sent;
    return c;
  }
};

TEST_P(FaultSlowBodyTest, PauseInRequestBodyLongerThanUpstreamTimeoutIsNot504) {
  GatewayConfig config = FastConfig();
  config.upstream_timeout = "500ms";
  ASSERT_NO_FATAL_FAILURE(StartFault(config));
  const std::string body = PatternBytes(3, GetParam().size);
  RunRounds(2, [&](int) {
    ASSERT_OK_AND_ASSIGN(HttpClient c, StartUpload(body));
    // 1.2s without a byte either way: the upstream waits for the body.
    EXPECT_EQ(c.WaitForClose(milliseconds(1200)), PeerState::kTimeout)
        << "the gateway answered or closed during the client's pause: "
        << c.buffered().substr(0, 120);
    ASSERT_THAT(c.Send(body.substr(GetParam().first_part)), IsOk());
    ASSERT_OK_AND_ASSIGN(HttpResponse r, c.ReadResponse());
    ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
    EXPECT_EQ(e.body_sha256, Sha256Hex(body));
  });
}

TEST_P(FaultSlowBodyTest, PauseLongerThanClientIdleTimeoutIs408ThenClose) {
  GatewayConfig config = FastConfig();
  config.client_idle_timeout = "600ms";
  config.upstream_timeout = "5s";
  ASSERT_NO_FATAL_FAILURE(StartFault(config));
  const std::string body = PatternBytes(4, GetParam().size);
  RunRounds(2, [&](int) {
    ASSERT_OK_AND_ASSIGN(HttpClient c, StartUpload(body));
    const auto start = std::chrono::steady_clock::now();
    ASSERT_OK_AND_ASSIGN(HttpResponse r,
                         c.ReadResponse({.timeout = std::chrono::seconds(4)}));
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(IsGatewayAnswer(r, 408));
    EXPECT_GE(waited, milliseconds(500)) << "408 before client_idle_timeout";
    EXPECT_TRUE(ServerClosed(c));
  });
}

INSTANTIATE_TEST_SUITE_P(Sizes, FaultSlowBodyTest,
                         ::testing::Values(SlowBodyCase{"copied", 4000, 1000},
                                           SlowBodyCase{"spliced", 1024 * 1024,
                                                        64 * 1024}),
                         [](const ::testing::TestParamInfo<SlowBodyCase>& p) {
                           return std::string(p.param.name);
                         });

}  // namespace
}  // namespace jwtgate::testing
