// A ShardSet on 127.0.0.1 in front of an in-test upstream thread: real
// io_uring, real sockets, tokens minted at test time.
#include "jwtgate/shard/shard_set.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtgate/jwt/mint.h"
#include "tests/shard/in_test_upstream.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/status_matchers.h"

namespace jwtgate {
namespace {

using ::jwtgate::testing::BuildRequest;
using ::jwtgate::testing::HttpClient;
using ::jwtgate::testing::HttpResponse;
using ::jwtgate::testing::InTestUpstream;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecretEnv[] = "JWTGATE_SHARD_TEST_SECRET";
constexpr char kSecret[] = "shard-test-secret-0123456789abcdef";

uint16_t PortOf(const SocketAddress& a) {
  return ntohs(reinterpret_cast<const sockaddr_in*>(&a.storage)->sin_port);
}

class ShardSetTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv(kSecretEnv, kSecret, 1); }
  void TearDown() override {
    if (shards_ != nullptr) shards_->Stop();
    std::remove(path_.c_str());
  }

  // Writes a config with a /public/ route (auth off) and a /api/ route
  // (HS256 token required) to the in-test upstream, loads and starts it.
  void Start(int shards, const std::string& extra_gateway = "",
             int upstream_port = -1) {
    if (upstream_port < 0) upstream_port = upstream_.port();
    path_ = ::testing::TempDir() + "/shard_set_test_" +
            std::to_string(::getpid()) + ".ini";
    ASSERT_OK_AND_ASSIGN(testing::PortReservation reserved,
                         testing::ReservePort());
    const uint16_t port = reserved.port;
    std::ofstream(path_) << "[gateway]\nlisten = 127.0.0.1:" << port
                         << "\nshards = " << shards << "\naccess_log = off\n"
                         << extra_gateway
                         << "\n[key k]\nalg = HS256\nsecret_env = "
                         << kSecretEnv << "\n[upstream up]\nserver = 127.0.0.1:"
                         << upstream_port
                         << "\nkeepalive = 8\n[route public]\npath_prefix = "
                            "/public/\nupstream = up\nauth = off\n[route api]\n"
                            "path_prefix = /api/\nupstream = up\nauth = "
                            "required\nkeys = k\n";
    auto snapshot = Snapshot::Load(path_);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    ShardSet::Options options;
    options.shard.recv_buffers = 256;
    auto started = ShardSet::Start(*snapshot, options);
    ASSERT_TRUE(started.ok()) << started.status();
    shards_ = std::move(*started);
    ASSERT_EQ(shards_->listen_addresses().size(), 1u);
    port_ = PortOf(shards_->listen_addresses()[0]);
    EXPECT_EQ(port_, port);
  }

  std::string Token(const std::string& sub = "alice") {
    jwt::MintOptions m;
    m.secret = kSecret;
    m.sub = sub;
    m.now_unix = std::time(nullptr);
    m.ttl_seconds = 3600;
    auto t = jwt::Mint(m);
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *t : "";
  }

  HttpResponse Get(HttpClient& c, const std::string& target,
                   const testing::HeaderList& headers = {}) {
    auto r = c.RoundTrip(BuildRequest("GET", target, headers));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : HttpResponse{};
  }

  InTestUpstream upstream_;
  std::unique_ptr<ShardSet> shards_;
  std::string path_;
  uint16_t port_ = 0;
};

TEST_F(ShardSetTest, AnswersWithoutTokenAndForwardsWithOne) {
  Start(1);
  auto c = HttpClient::Connect(port_);
  ASSERT_TRUE(c.ok()) << c.status();
  HttpResponse no = Get(*c, "/api/thing");
  EXPECT_EQ(no.status, 401);
  EXPECT_EQ(no.Header("WWW-Authenticate").value_or(""),
            "Bearer realm=\"jwtgate\"");
  EXPECT_EQ(no.Header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(upstream_.requests(), 0);

  HttpResponse yes = Get(*c, "/api/thing",
                         {{"Authorization", "Bearer " + Token("alice")},
                          {"X-Auth-UserId", "mallory"}});
  EXPECT_EQ(yes.status, 200);
  EXPECT_THAT(yes.body, HasSubstr("GET /api/thing HTTP/1.1\r\n"));
  EXPECT_THAT(yes.body, HasSubstr("X-Auth-UserId: alice\r\n"));
  EXPECT_THAT(yes.body, Not(HasSubstr("mallory")));
  EXPECT_THAT(yes.body, HasSubstr("X-Forwarded-For: 127.0.0.1\r\n"));
  EXPECT_THAT(yes.body, HasSubstr("X-Forwarded-Proto: http\r\n"));

  HttpResponse bad =
      Get(*c, "/api/thing", {{"Authorization", "Bearer " + Token() + "x"}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_THAT(bad.Header("WWW-Authenticate").value_or(""),
              HasSubstr("error=\"invalid_token\""));
  EXPECT_EQ(Get(*c, "/nowhere").status, 404);
}

TEST_F(ShardSetTest, KeepAliveReusesOneUpstreamConnection) {
  Start(1);
  auto c = HttpClient::Connect(port_);
  ASSERT_TRUE(c.ok());
  const std::string token = Token();
  for (int i = 0; i < 20; ++i) {
    HttpResponse r = Get(*c, "/api/n/" + std::to_string(i),
                         {{"Authorization", "Bearer " + token}});
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.Header("X-Conn").value_or(""), "1") << i;
  }
  EXPECT_EQ(upstream_.connections(), 1);
  EXPECT_EQ(upstream_.requests(), 20);
}

TEST_F(ShardSetTest, PipelinedRequestsAreAnsweredInOrder) {
  Start(1);
  auto c = HttpClient::Connect(port_);
  ASSERT_TRUE(c.ok());
  // The first is slow upstream; the second is answered by the gateway; the
  // third goes upstream again. Answers must come back in request order.
  ASSERT_TRUE(c->Send(BuildRequest("GET", "/public/slow/150") +
                      BuildRequest("GET", "/api/no-token") +
                      BuildRequest("GET", "/public/third"))
                  .ok());
  auto a = c->ReadResponse();
  auto b = c->ReadResponse();
  auto d = c->ReadResponse();
  ASSERT_TRUE(a.ok() && b.ok() && d.ok());
  EXPECT_EQ(a->status, 200);
  EXPECT_THAT(a->body, HasSubstr("GET /public/slow/150 "));
  EXPECT_EQ(b->status, 401);
  EXPECT_EQ(d->status, 200);
  EXPECT_THAT(d->body, HasSubstr("GET /public/third "));
}

TEST_F(ShardSetTest, SmugglingIsRefusedAndNothingReachesTheUpstream) {
  Start(1);
  auto c = HttpClient::Connect(port_);
  ASSERT_TRUE(c.ok());
  auto r = c->RoundTrip(
      "POST /public/x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->Header("Connection").value_or(""), "close");
  EXPECT_EQ(c->WaitForClose(), testing::PeerState::kClosed);
  EXPECT_EQ(upstream_.requests(), 0);
}

TEST_F(ShardSetTest, UnreachableUpstreamIs502AndSlowOneIs504) {
  InTestUpstream dead;
  const uint16_t dead_port = dead.port();
  dead.Stop();  // nothing listens there any more
  Start(1, "upstream_timeout = 300ms\n", dead_port);
  auto c = HttpClient::Connect(port_);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Get(*c, "/public/x").status, 502);
  shards_->Stop();
  shards_.reset();

  Start(1, "upstream_timeout = 200ms\n");
  auto s = HttpClient::Connect(port_);
  ASSERT_TRUE(s.ok());
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Get(*s, "/public/slow/800").status, 504);
  EXPECT_LT(std::chrono::steady_clock::now() - t0,
            std::chrono::milliseconds(750));
}

TEST_F(ShardSetTest, TwoShardsShareThePortAndBothServe) {
  Start(2);
  EXPECT_EQ(shards_->shard_count(), 2);
  int ok = 0;
  for (int i = 0; i < 16; ++i) {
    auto c = HttpClient::Connect(port_);
    ASSERT_TRUE(c.ok());
    if (Get(*c, "/public/p").status == 200) ++ok;
  }
  EXPECT_EQ(ok, 16);
}

TEST_F(ShardSetTest, DrainFinishesInFlightRequestsAndStops) {
  Start(1);
  auto busy = HttpClient::Connect(port_);
  auto idle = HttpClient::Connect(port_);
  ASSERT_TRUE(busy.ok() && idle.ok());
  ASSERT_EQ(Get(*idle, "/public/warm").status, 200);  // kept alive, idle
  ASSERT_TRUE(busy->Send(BuildRequest("GET", "/public/slow/300")).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // in flight
  shards_->Drain();
  auto r = busy->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Connection").value_or(""), "close");
  busy->Close();  // ends the gateway's lingering close at once
  EXPECT_EQ(idle->WaitForClose(), testing::PeerState::kClosed);
  EXPECT_TRUE(shards_->Wait(5000));
  EXPECT_FALSE(HttpClient::Connect(port_, std::chrono::milliseconds(500)).ok());
}

TEST_F(ShardSetTest, PublishedSnapshotAppliesToNewRequests) {
  Start(1);
  auto c = HttpClient::Connect(port_);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Get(*c, "/api/x").status, 401);
  // Same file, /api/ now open.
  std::ofstream(path_) << "[gateway]\nlisten = 127.0.0.1:" << port_
                       << "\nshards = 1\n"
                          "access_log = off\n[upstream up]\nserver = 127.0.0.1:"
                       << upstream_.port()
                       << "\n[route api]\npath_prefix = /api/\nupstream = up\n"
                          "auth = off\n";
  auto next = Snapshot::Load(path_);
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_TRUE(shards_->Publish(*next).ok());
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = Get(*c, "/api/x").status;
    if (status != 200)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(status, 200);
}

TEST_F(ShardSetTest, ListenerClashIsAClearStartFailure) {
  // A plain socket (no SO_REUSEPORT) holding the port blocks the gateway.
  int plain = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(plain, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(listen(plain, 1), 0);
  socklen_t len = sizeof(a);
  getsockname(plain, reinterpret_cast<sockaddr*>(&a), &len);
  const std::string clash = ::testing::TempDir() + "/shard_clash.ini";
  std::ofstream(clash) << "[gateway]\nlisten = 127.0.0.1:" << ntohs(a.sin_port)
                       << "\nshards = 1\naccess_log = off\n[upstream up]\n"
                          "server = 127.0.0.1:9\n[route r]\npath_prefix = /\n"
                          "upstream = up\nauth = off\n";
  auto snapshot = Snapshot::Load(clash);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  auto started = ShardSet::Start(*snapshot, {});
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(std::string(started.status().message()),
              HasSubstr("Address already in use"));
  close(plain);
  std::remove(clash.c_str());
}

}  // namespace
}  // namespace jwtgate
