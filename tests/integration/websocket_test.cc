// SPEC §4: a `101 Switching Protocols` from the upstream turns the
// connection into a two-way tunnel. Frames go both ways through jwtgate to
// the test upstream's /ws echo, and a close propagates.
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"
#include "tests/testing/upstream/pattern.h"

namespace jwtgate::testing {
namespace {

using std::chrono::seconds;

// A masked client frame (RFC 6455 §5.2).
std::string ClientFrame(uint8_t opcode, std::string_view payload) {
  std::string f;
  f.push_back(static_cast<char>(0x80 | opcode));
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(0x80 | payload.size()));
  } else if (payload.size() <= 0xffff) {
    f.push_back(static_cast<char>(0x80 | 126));
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xff));
  } else {
    f.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      f.push_back(static_cast<char>((payload.size() >> shift) & 0xff));
    }
  }
  const char mask[4] = {0x12, 0x34, 0x56, 0x78};
  f.append(mask, 4);
  for (size_t i = 0; i < payload.size(); ++i) {
    f.push_back(static_cast<char>(payload[i] ^ mask[i & 3]));
  }
  return f;
}

// An unmasked server frame as the echo sends it.
std::string ServerFrame(uint8_t opcode, std::string_view payload) {
  std::string f;
  f.push_back(static_cast<char>(0x80 | opcode));
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(payload.size()));
  } else if (payload.size() <= 0xffff) {
    f.push_back(126);
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xff));
  } else {
    f.push_back(127);
    for (int shift = 56; shift >= 0; shift -= 8) {
      f.push_back(static_cast<char>((payload.size() >> shift) & 0xff));
    }
  }
  f.append(payload);
  return f;
}

std::string UpgradeRequest(const std::string& token) {
  HeaderList h = {{"Upgrade", "websocket"},
                  {"Connection", "Upgrade"},
                  {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                  {"Sec-WebSocket-Version", "13"}};
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  return BuildRequest("GET", "/api/ws", h);
}

using WebSocketTest = GatewayFixture;

TEST_F(WebSocketTest, FramesFlowBothWaysAndCloseEndsTheTunnel) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       c.RoundTrip(UpgradeRequest(ValidToken())));
  ASSERT_EQ(r.status, 101) << r.body;
  // RFC 6455 §1.3 example key and accept value.
  EXPECT_EQ(r.Header("sec-websocket-accept").value_or(""),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

  ASSERT_THAT(c.Send(ClientFrame(0x1, "hello through jwtgate")), IsOk());
  std::string want = ServerFrame(0x1, "hello through jwtgate");
  EXPECT_EQ(c.ReadExactly(want.size()), want);

  const std::string big = PatternBytes(0, 200'000);
  ASSERT_THAT(c.Send(ClientFrame(0x2, big)), IsOk());
  want = ServerFrame(0x2, big);
  std::string got = c.ReadExactly(want.size());
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "binary frame corrupted in the tunnel";

  ASSERT_THAT(c.Send(ClientFrame(0x8, "")), IsOk());
  want = ServerFrame(0x8, "");
  EXPECT_EQ(c.ReadExactly(want.size()), want);
  EXPECT_TRUE(ServerClosed(c)) << "the upstream's close must reach the client";
}

TEST_F(WebSocketTest, UpgradeWithoutTokenIs401) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, Exchange(UpgradeRequest("")));
  EXPECT_TRUE(IsGatewayAnswer(r, 401));
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

}  // namespace
}  // namespace jwtgate::testing
