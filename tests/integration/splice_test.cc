// Zero-copy bodies (shard_splice.cc) against the real binary: large
// Content-Length bodies in both directions arrive intact and are moved by
// splice (the copied-bytes counter of /metrics stays near zero), the copy
// path still works with splicing off, a pipelined request behind a spliced
// body is answered in order, a slow reader gets the whole body, and a
// client that aborts mid-splice costs no descriptor.
#include <dirent.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"
#include "tests/integration/lifecycle_util.h"
#include "tests/testing/upstream/pattern.h"

namespace jwtgate::testing {
namespace {

constexpr size_t kMiB = 1024 * 1024;

class SpliceTest : public GatewayFixture {
 protected:
  // Forwarded body bytes and the share that went through user space.
  struct BodyCounters {
    double total = 0;
    double copied = 0;
  };
  BodyCounters Counters() {
    BodyCounters out;
    absl::StatusOr<HttpResponse> r = MetricsGet(metrics_port(), "/metrics");
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return out;
    absl::StatusOr<MetricsScrape> m = MetricsScrape::Parse(r->body);
    EXPECT_TRUE(m.ok()) << m.status();
    if (!m.ok()) return out;
    out.total = m->Find("jwtgate_body_bytes_total").value_or(-1);
    out.copied = m->Find("jwtgate_body_copied_bytes_total").value_or(-1);
    return out;
  }
  // jwtgate's open descriptors that are pipe ends, and all the others.
  struct Fds {
    int pipes = 0;
    int others = 0;
  };
  Fds OpenFds() {
    Fds out;
    const std::string dir = "/proc/" + std::to_string(gateway().pid()) + "/fd";
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return {-1, -1};
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      char target[64] = {};
      const std::string link = dir + "/" + e->d_name;
      if (readlink(link.c_str(), target, sizeof(target) - 1) > 0 &&
          std::string_view(target).starts_with("pipe:")) {
        ++out.pipes;
      } else {
        ++out.others;
      }
    }
    closedir(d);
    return out;
  }
  void UploadAndDownload(size_t bytes) {
    const std::string body = PatternBytes(777, bytes);
    ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
    ASSERT_OK_AND_ASSIGN(
        HttpResponse r,
        c.RoundTrip(BuildRequest("POST", "/public/echo", {}, body)));
    ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
    EXPECT_EQ(e.body_length, bytes);
    EXPECT_EQ(e.body_sha256, Sha256Hex(body));
    ASSERT_OK_AND_ASSIGN(r, c.RoundTrip(BuildRequest(
                                "GET", absl::StrCat("/public/bytes/", bytes))));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.size(), bytes);
    EXPECT_EQ(Sha256Hex(r.body), Sha256Hex(PatternBytes(0, bytes)));
  }
};

TEST_F(SpliceTest, LargeBodiesAreIntactAndBarelyCopied) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  // The first large body of a connection may land partly in buffers (its
  // receive was multishot); after it both connections receive single-shot.
  ASSERT_NO_FATAL_FAILURE(UploadAndDownload(4 * kMiB));
  const BodyCounters first = Counters();
  EXPECT_LT(first.copied / first.total, 0.5);
  for (int i = 0; i < 3; ++i) {
    ASSERT_NO_FATAL_FAILURE(UploadAndDownload(4 * kMiB));
  }
  const BodyCounters n = Counters();
  const double total = n.total - first.total;
  const double copied = n.copied - first.copied;
  EXPECT_GE(total, 3 * 8.0 * kMiB);
  // Only what came in the one buffer with each head is copied.
  EXPECT_LT(copied / total, 0.02)
      << "copied " << copied << " of " << total << " body bytes";
}

TEST_F(SpliceTest, WithSplicingOffEveryBodyByteIsCopied) {
  ::setenv("JWTGATE_SPLICE_THRESHOLD", "0", 1);
  StartGateway();
  ::unsetenv("JWTGATE_SPLICE_THRESHOLD");
  if (HasFatalFailure()) return;
  ASSERT_NO_FATAL_FAILURE(UploadAndDownload(2 * kMiB));
  const BodyCounters n = Counters();
  EXPECT_GE(n.total, 4.0 * kMiB);
  EXPECT_EQ(n.copied, n.total);
}

TEST_F(SpliceTest, SmallBodiesStayOnTheCopyPath) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_NO_FATAL_FAILURE(UploadAndDownload(32 * 1024));
  const BodyCounters n = Counters();
  EXPECT_EQ(n.copied, n.total);
}

TEST_F(SpliceTest, PipelinedRequestBehindASplicedUploadIsAnsweredInOrder) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  const std::string body = PatternBytes(3, 2 * kMiB);
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_THAT(c.Send(BuildRequest("POST", "/public/echo/first", {}, body) +
                     BuildRequest("GET", "/public/echo/second")),
              IsOk());
  ASSERT_OK_AND_ASSIGN(HttpResponse first, c.ReadResponse());
  ASSERT_OK_AND_ASSIGN(EchoedRequest e1, ParseEcho(first));
  EXPECT_EQ(e1.target, "/public/echo/first");
  EXPECT_EQ(e1.body_sha256, Sha256Hex(body));
  ASSERT_OK_AND_ASSIGN(HttpResponse second, c.ReadResponse());
  ASSERT_OK_AND_ASSIGN(EchoedRequest e2, ParseEcho(second));
  EXPECT_EQ(e2.target, "/public/echo/second");
  EXPECT_EQ(e2.body_length, 0u);
}

TEST_F(SpliceTest, SlowReaderGetsTheWholeSplicedResponse) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  const size_t bytes = 8 * kMiB;
  ASSERT_THAT(
      c.Send(BuildRequest("GET", absl::StrCat("/public/bytes/", bytes))),
      IsOk());
  // Let the gateway fill every socket buffer on the way and block.
  ::poll(nullptr, 0, 300);
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       c.ReadResponse({.timeout = std::chrono::seconds(20)}));
  EXPECT_EQ(r.body.size(), bytes);
  EXPECT_EQ(Sha256Hex(r.body), Sha256Hex(PatternBytes(0, bytes)));
  // The connection is still good for another request.
  ASSERT_OK_AND_ASSIGN(r, c.RoundTrip(BuildRequest("GET", "/public/echo")));
  EXPECT_EQ(r.status, 200);
}

TEST_F(SpliceTest, ClientAbortingMidSpliceLeavesNoDescriptorBehind) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  // Warm up: one spliced body in each direction leaves pooled pipes.
  ASSERT_NO_FATAL_FAILURE(UploadAndDownload(kMiB));
  const Fds baseline = OpenFds();
  ASSERT_GT(baseline.others, 0);
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpClient up, Connect());
    // Head of a 4 MiB upload, then 512 KiB of it, then gone.
    const std::string partial = absl::StrCat(
        "POST /public/echo HTTP/1.1\r\nHost: x\r\nContent-Length: ", 4 * kMiB,
        "\r\n\r\n", PatternBytes(0, 512 * 1024));
    ASSERT_THAT(up.Send(partial), IsOk());
    ASSERT_OK_AND_ASSIGN(HttpClient down, Connect());
    ASSERT_THAT(down.Send(BuildRequest("GET", "/public/bytes/8388608")),
                IsOk());
    EXPECT_FALSE(down.ReadExactly(300 * 1024).empty());
  }  // both clients close here, mid-body
  // Pipes that held bytes were closed, not pooled or leaked: at most the
  // two that ran at once (one per direction) may be pooled now, one more
  // than before the aborts. Sockets
  // are back to the start, give or take one pooled upstream connection.
  Fds now;
  EXPECT_TRUE(Eventually(
      [&] {
        now = OpenFds();
        return now.pipes <= baseline.pipes + 2 &&
               now.others <= baseline.others + 1;
      },
      std::chrono::seconds(5)))
      << "pipe ends " << now.pipes << " (before " << baseline.pipes
      << "), other descriptors " << now.others << " (before " << baseline.others
      << ")";
  ASSERT_NO_FATAL_FAILURE(UploadAndDownload(kMiB));
}

}  // namespace
}  // namespace jwtgate::testing
