// Issue 8 fault tests, upstream side: against the real jwtgate, an upstream
// that refuses, resets mid-body, answers garbage, answers one byte a
// second, or closes pooled connections on its own. SPEC §4: 502 when the
// upstream refuses or fails before a response, 504 when no upstream byte
// comes for upstream_timeout, a close when a response was already under
// way, and a reused connection that fails before any response byte is
// retried once on a new one. After each round (fault_fixture.h): jwtgate
// alive, descriptors and RSS back, another client served meanwhile.
#include <chrono>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/fault_fixture.h"
#include "tests/testing/upstream/pattern.h"

namespace jwtgate::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

using FaultUpstreamTest = FaultFixture;

// FastConfig() with this upstream_timeout.
GatewayConfig UpstreamTimeout(const std::string& timeout) {
  GatewayConfig c = FaultFixture::FastConfig();
  c.upstream_timeout = timeout;
  return c;
}

// The client must see the response cut short: EOF or reset mid-message
// within the read timeout, never a complete (fake) response or a hang.
::testing::AssertionResult Truncated(const absl::StatusOr<HttpResponse>& r) {
  if (r.ok()) {
    return ::testing::AssertionFailure()
           << "a complete response (status " << r->status << ", "
           << r->body.size() << " body bytes) for a cut-off upstream answer";
  }
  if (r.status().code() == absl::StatusCode::kDataLoss ||
      r.status().code() == absl::StatusCode::kUnavailable) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected a close mid-response, got " << r.status();
}

TEST_F(FaultUpstreamTest, RefusedConnectIs502) {
  ASSERT_NO_FATAL_FAILURE(StartFault());
  RunRounds(3, [&](int) {
    for (int i = 0; i < 40; ++i) {
      ASSERT_TRUE(IsGatewayAnswer(Get("/dead/echo"), 502)) << "request " << i;
    }
  });
}

TEST_F(FaultUpstreamTest, ResetMidBodyClosesTheClient) {
  // Content-Length 1 MiB or a chunked body announced, 64 KiB sent, then RST.
  ASSERT_NO_FATAL_FAILURE(StartFault(FastConfig(), [](ScriptedConnection& c) {
    if (!c.ReadRequest()) return;
    const bool chunked = c.index() % 2 == 1;
    c.Write(chunked ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "100000\r\n"
                    : "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n");
    c.Write(PatternBytes(0, 64 * 1024));
    if (c.Pause(milliseconds(30))) c.Reset();
  }));
  int sent = 0;
  RunRounds(3, [&](int) {
    for (int i = 0; i < 10; ++i, ++sent) {
      ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
      EXPECT_TRUE(Truncated(c.RoundTrip(BuildRequest("GET", "/scripted/x"),
                                        {.timeout = seconds(3)})))
          << "request " << sent;
      ASSERT_OK_AND_ASSIGN(HttpResponse ok, Get("/public/echo"));
      EXPECT_EQ(ok.status, 200) << "a new connection after the reset";
    }
  });
  // A response was under way: no retry, one upstream connection each.
  EXPECT_EQ(scripted().connections(), sent);
}

TEST_F(FaultUpstreamTest, GarbageAnswerIs502AndTheConnectionIsDropped) {
  static const std::vector<std::string> kGarbage = {
      "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
      PatternBytes(0, 4096),
      std::string(64, '\0') + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
      "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nNo colon here\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-Big: " + std::string(80 * 1024, 'a') + "\r\n\r\n",
  };
  // The script sends its garbage and keeps the socket open: jwtgate must
  // close it (ScriptedUpstream counts that).
  ASSERT_NO_FATAL_FAILURE(StartFault(FastConfig(), [](ScriptedConnection& c) {
    if (c.ReadRequest()) {
      c.Write(kGarbage[static_cast<size_t>(c.index()) % kGarbage.size()]);
    }
  }));
  int sent = 0;
  RunRounds(3, [&](int) {
    for (size_t i = 0; i < kGarbage.size(); ++i, ++sent) {
      EXPECT_TRUE(IsGatewayAnswer(Get("/scripted/x"), 502))
          << "garbage #" << i << ": " << kGarbage[i].substr(0, 60);
    }
    EXPECT_TRUE(scripted().WaitAllFinished(seconds(3)))
        << scripted().live() << " garbage connections left open";
  });
  EXPECT_EQ(scripted().connections(), sent) << "garbage is never retried";
  EXPECT_EQ(scripted().closed_by_peer(), sent);
}

TEST_F(FaultUpstreamTest, HeadDrippedOneBytePerSecondIs504) {
  // No upstream byte for upstream_timeout (600ms) while the head is still
  // coming: nothing went to the client yet, so SPEC's 504.
  ASSERT_NO_FATAL_FAILURE(
      StartFault(UpstreamTimeout("600ms"), [](ScriptedConnection& c) {
        if (c.ReadRequest()) {
          c.Drip("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", seconds(1));
        }
      }));
  RunRounds(3, [&](int) {
    const auto start = FaultClock::now();
    EXPECT_TRUE(IsGatewayAnswer(Get("/scripted/drip"), 504));
    const auto took = FaultClock::now() - start;
    EXPECT_GE(took, milliseconds(550)) << "504 before upstream_timeout";
    EXPECT_LT(took, milliseconds(kUnderAsan ? 3000 : 1500));
    EXPECT_TRUE(scripted().WaitAllFinished(seconds(3)))
        << "jwtgate kept the dripping upstream connection open";
  });
}

TEST_F(FaultUpstreamTest, BodyDrippedOneBytePerSecondWithinTimeoutCompletes) {
  // Bytes 1s apart, upstream_timeout 1.5s: never that long without a byte.
  ASSERT_NO_FATAL_FAILURE(StartFault(UpstreamTimeout("1500ms")));
  RunRounds(2, [&](int) {
    ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
    ASSERT_OK_AND_ASSIGN(HttpResponse r,
                         c.RoundTrip(BuildRequest("GET", "/public/drip/2"),
                                     {.timeout = seconds(5)}));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, PatternBytes(0, 2));
  });
}

TEST_F(FaultUpstreamTest, BodyDrippedPastTimeoutClosesTheClient) {
  // The head went out, then 1s of silence against a 600ms upstream_timeout:
  // too late for a 504, so the client connection is closed.
  ASSERT_NO_FATAL_FAILURE(StartFault(UpstreamTimeout("600ms")));
  RunRounds(3, [&](int) {
    ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
    EXPECT_TRUE(Truncated(c.RoundTrip(BuildRequest("GET", "/public/drip/5"),
                                      {.timeout = seconds(4)})));
  });
}

// Keep-alive answers; after each one the connection waits `idle` for the
// next request and closes (FIN on even connections, RST on odd ones) when
// none comes, or, with `close_on_request`, reads the next request and
// closes without answering it (the race of a server closing just as the
// proxy reuses the connection).
ScriptedUpstream::Script ClosingWhenIdle(milliseconds idle,
                                         bool close_on_request) {
  return [idle, close_on_request](ScriptedConnection& c) {
    if (!c.ReadRequest() ||
        !c.Write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) {
      return;
    }
    if (close_on_request ? !c.ReadRequest() : !c.Pause(idle)) return;
    if (c.index() % 2 == 0) {
      c.Close();
    } else {
      c.Reset();
    }
  };
}

// Against ClosingWhenIdle(idle, close_on_request): three rounds of
// `per_round` requests on one client connection, `gap` apart, each a 200.
// Each upstream connection serves one request, so the gateway must use one
// new connection per request (after a retry where the pooled one closed on
// it), and no more.
class FaultUpstreamClosingTest : public FaultFixture {
 protected:
  void Run(milliseconds idle, bool close_on_request, int per_round,
           milliseconds gap) {
    ASSERT_NO_FATAL_FAILURE(
        StartFault(FastConfig(), ClosingWhenIdle(idle, close_on_request)));
    int sent = 0;
    RunRounds(3, [&](int) {
      ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
      for (int i = 0; i < per_round; ++i, ++sent) {
        ASSERT_OK_AND_ASSIGN(HttpResponse r,
                             c.RoundTrip(BuildRequest("GET", "/scripted/x")));
        EXPECT_EQ(r.status, 200) << "request " << sent;
        if (gap.count() > 0) c.WaitForClose(gap);  // pacing
      }
    });
    EXPECT_EQ(scripted().connections(), sent);
  }
};

TEST_F(FaultUpstreamClosingTest, IdlePooledConnectionsClosedByTheUpstream) {
  // 250ms between requests, longer than the upstream's 100ms idle time:
  // the pooled connection is gone each time.
  Run(milliseconds(100), false, 4, milliseconds(250));
}

TEST_F(FaultUpstreamClosingTest, PooledConnectionClosedAsItIsReusedIsRetried) {
  // SPEC §4: a reused connection that fails before any response byte is
  // retried once on a new one; the client never sees the failure.
  Run(milliseconds(0), true, 10, milliseconds(0));
}

}  // namespace
}  // namespace jwtgate::testing
