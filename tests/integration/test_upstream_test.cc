// The test upstream itself, spoken to directly: the rest of the suite trusts
// its echo, hashes and framing, so they are checked here first.
#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"
#include "tests/testing/process.h"
#include "tests/testing/upstream/pattern.h"

namespace jwtgate::testing {
namespace {

using std::chrono::seconds;

class TestUpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(reserved_, ReservePort());
    port_ = reserved_.port;
    ASSERT_OK_AND_ASSIGN(
        Process p,
        Process::Start(
            {.program = JWTGATE_TEST_UPSTREAM,
             .args = {"--listen", "127.0.0.1:" + std::to_string(port_),
                      "--quiet"}}));
    upstream_.emplace(std::move(p));
    ASSERT_THAT(WaitForPort(port_, seconds(5), &*upstream_), IsOk());
  }
  void TearDown() override {
    if (upstream_.has_value()) {
      EXPECT_TRUE(upstream_->Running()) << "the test upstream died";
      upstream_->Stop();
    }
  }
  absl::StatusOr<HttpClient> Connect() { return HttpClient::Connect(port_); }

  PortReservation reserved_;
  uint16_t port_ = 0;
  std::optional<Process> upstream_;
};

TEST_F(TestUpstreamTest, EchoReportsTheRequestAsReceived) {
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      c.RoundTrip(BuildRequest("POST", "/x/echo?a=1",
                               {{"X-One", "1"}, {"x-two", " 2 "}}, "hello")));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.method, "POST");
  EXPECT_EQ(e.target, "/x/echo?a=1");
  EXPECT_EQ(e.version, "1.1");
  ASSERT_EQ(e.headers.size(), 4u);
  EXPECT_EQ(e.headers[1], (std::pair<std::string, std::string>("X-One", "1")));
  EXPECT_EQ(e.headers[2].first, "x-two");
  EXPECT_EQ(e.headers[2].second, "2");
  EXPECT_EQ(e.body_length, 5u);
  EXPECT_EQ(e.body_sha256, Sha256Hex("hello"));
  EXPECT_EQ(e.request_index, 1u);

  ASSERT_OK_AND_ASSIGN(r, c.RoundTrip(BuildRequest("GET", "/echo")));
  ASSERT_OK_AND_ASSIGN(EchoedRequest second, ParseEcho(r));
  EXPECT_EQ(second.connection_id, e.connection_id);
  EXPECT_EQ(second.request_index, 2u);
}

TEST_F(TestUpstreamTest, BytesAreThePatternWithItsHash) {
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  for (bool chunked : {false, true}) {
    SCOPED_TRACE(chunked ? "chunked" : "content-length");
    const size_t n = 300'000;
    ASSERT_OK_AND_ASSIGN(
        HttpResponse r,
        c.RoundTrip(BuildRequest("GET", "/bytes/" + std::to_string(n) +
                                            (chunked ? "?chunked=1" : ""))));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.chunked, chunked);
    EXPECT_EQ(r.body, PatternBytes(0, n));
    EXPECT_EQ(r.Header("x-body-sha256").value_or(""), Sha256Hex(r.body));
  }
}

TEST_F(TestUpstreamTest, HeadAndBodilessStatusesAreFramed) {
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      c.RoundTrip(BuildRequest("HEAD", "/bytes/1000"), {.head_request = true}));
  EXPECT_EQ(r.Header("content-length").value_or(""), "1000");
  EXPECT_TRUE(r.body.empty());
  for (int code : {204, 304}) {
    ASSERT_OK_AND_ASSIGN(
        r, c.RoundTrip(BuildRequest("GET", "/status/" + std::to_string(code))));
    EXPECT_EQ(r.status, code);
    EXPECT_TRUE(r.body.empty());
  }
  ASSERT_OK_AND_ASSIGN(r, c.RoundTrip(BuildRequest("GET", "/status/418")));
  EXPECT_EQ(r.status, 418);
  ASSERT_OK_AND_ASSIGN(r, c.RoundTrip(BuildRequest("GET", "/")));
  EXPECT_EQ(r.body, "ok");
}

TEST_F(TestUpstreamTest, PipelinedRequestsAreAnsweredInOrder) {
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  std::string burst = BuildRequest("GET", "/slow/150?i=0");
  for (int i = 1; i < 5; ++i) {
    burst += BuildRequest("GET", "/echo?i=" + std::to_string(i));
  }
  ASSERT_THAT(c.Send(burst), IsOk());
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpResponse r, c.ReadResponse());
    ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
    EXPECT_EQ(e.request_index, static_cast<uint64_t>(i + 1));
    EXPECT_TRUE(e.target.ends_with("i=" + std::to_string(i))) << e.target;
  }
}

TEST_F(TestUpstreamTest, ChunkedUploadIsHashed) {
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  std::string body = PatternBytes(7, 1 << 20);
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       c.RoundTrip(BuildRequest(
                           "POST", "/echo", {{"Transfer-Encoding", "chunked"}},
                           ChunkedBody(body, {1, 65536, 7777}))));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_TRUE(e.chunked);
  EXPECT_EQ(e.body_length, body.size());
  EXPECT_EQ(e.body_sha256, Sha256Hex(body));
}

TEST_F(TestUpstreamTest, ResetAndCloseEarlyMisbehave) {
  {
    ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
    ASSERT_THAT(c.Send(BuildRequest("GET", "/reset")), IsOk());
    EXPECT_EQ(c.WaitForClose(seconds(5)), PeerState::kReset);
  }
  {
    ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
    absl::StatusOr<HttpResponse> r =
        c.RoundTrip(BuildRequest("GET", "/close-early"));
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kDataLoss));
  }
}

TEST_F(TestUpstreamTest, StatsCountConnectionsAndRequests) {
  auto stats = [this]() -> std::string {
    absl::StatusOr<HttpClient> c = Connect();
    if (!c.ok()) return c.status().ToString();
    absl::StatusOr<HttpResponse> r =
        c->RoundTrip(BuildRequest("GET", "/stats"));
    return r.ok() ? r->body : r.status().ToString();
  };
  // Earlier connections (the start-up probe) are counted too, so compare.
  const std::string before = stats();
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
    ASSERT_OK_AND_ASSIGN(HttpResponse r, c.RoundTrip(BuildRequest("GET", "/")));
    ASSERT_OK_AND_ASSIGN(r, c.RoundTrip(BuildRequest("GET", "/")));
  }
  const std::string after = stats();
  // `before` was connection n (of n), `after` is n + 4; /stats not counted.
  size_t n = 0;
  ASSERT_EQ(std::sscanf(before.c_str(), "{\"connections\":%zu,", &n), 1)
      << before;
  EXPECT_EQ(before,
            "{\"connections\":" + std::to_string(n) + ",\"requests\":0}\n");
  EXPECT_EQ(after,
            "{\"connections\":" + std::to_string(n + 4) + ",\"requests\":6}\n");
}

TEST_F(TestUpstreamTest, Http10ClosesAfterTheAnswer) {
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       c.RoundTrip("GET /echo HTTP/1.0\r\n\r\n"));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.version, "1.0");
  EXPECT_TRUE(ServerClosed(c));
}

}  // namespace
}  // namespace jwtgate::testing
