// Issue 8 fault test: a client that uploads its body slowly, pausing longer
// than upstream_timeout between parts while the upstream waits for the
// rest. upstream_timeout is "no upstream byte for this long" (SPEC §2), and
// an upstream owes no byte before it has the request: the pause must not
// turn into a 504 (nginx's proxy_read_timeout starts once the request is
// sent; proxy_send_timeout only runs while a write to the upstream waits).
// Fails against jwtgate at 6c18f40: 504 after upstream_timeout (the timer
// re-armed by each upstream send runs out while the client pauses).
#include <chrono>
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/fault_fixture.h"
#include "tests/testing/upstream/pattern.h"

namespace jwtgate::testing {
namespace {

using std::chrono::milliseconds;

using FaultSlowBodyTest = FaultFixture;

TEST_F(FaultSlowBodyTest, PauseInRequestBodyLongerThanUpstreamTimeoutIsNot504) {
  GatewayConfig config = FastConfig();
  config.upstream_timeout = "500ms";
  ASSERT_NO_FATAL_FAILURE(StartFault(config));
  const std::string body = PatternBytes(3, 4000);
  RunRounds(2, [&](int) {
    ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
    ASSERT_THAT(c.Send(BuildRequest("POST", "/public/echo",
                                    {{"Content-Length", "4000"}}) +
                       body.substr(0, 1000)),
                IsOk());
    // 1.2s without a byte either way: the upstream waits for the body.
    EXPECT_EQ(c.WaitForClose(milliseconds(1200)), PeerState::kTimeout)
        << "the gateway answered or closed during the client's pause: "
        << c.buffered().substr(0, 120);
    ASSERT_THAT(c.Send(body.substr(1000)), IsOk());
    ASSERT_OK_AND_ASSIGN(HttpResponse r, c.ReadResponse());
    ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
    EXPECT_EQ(e.body_sha256, Sha256Hex(body));
  });
}

}  // namespace
}  // namespace jwtgate::testing
