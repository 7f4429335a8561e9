// HttpsClient against a real TLS server on 127.0.0.1 with a CA made at test
// time.
#include "jwtgate/jwks/https_client.h"

#include <sys/eventfd.h>

#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "jwks/text.h"
#include "tests/testing/test_https_server.h"
#include "tests/testing/test_pki.h"

namespace jwtgate::jwks {
namespace {

using ::jwtgate::testing::TestHttpsServer;
using ::jwtgate::testing::TestPki;
using Framing = TestHttpsServer::Framing;

std::unique_ptr<HttpsClient> Client(HttpsClientOptions options = {}) {
  if (options.ca_file.empty()) options.ca_file = TestPki::Get().ca_file;
  auto client = HttpsClient::Create(std::move(options));
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

bool Contains(const absl::Status& s, std::string_view what) {
  return ToStd(s.message()).find(what) != std::string_view::npos;
}

class HttpsClientTest : public ::testing::Test {
 protected:
  TestHttpsServer server_{TestPki::Get().server};
};

TEST_F(HttpsClientTest, GetsABodyFramedByContentLength) {
  server_.SetJson("/jwks.json", R"({"keys":[]})",
                  "Cache-Control: public, max-age=120\r\n");
  auto response = Client()->Get(server_.Url("/jwks.json"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, R"({"keys":[]})");
  EXPECT_EQ(response->max_age_seconds, 120);
  EXPECT_EQ(server_.hits("/jwks.json"), 1);
  EXPECT_EQ(server_.last_sni(), "");  // no SNI for an IP literal
}

TEST_F(HttpsClientTest, GetsChunkedAndCloseDelimitedBodies) {
  const std::string body(5000, 'k');
  TestHttpsServer::Reply chunked;
  chunked.body = body;
  chunked.framing = Framing::kChunked;
  server_.SetReply("/chunked", chunked);
  TestHttpsServer::Reply closed;
  closed.body = body;
  closed.framing = Framing::kClose;
  server_.SetReply("/close", closed);

  auto client = Client();
  auto r1 = client->Get(server_.Url("/chunked"));
  ASSERT_TRUE(r1.ok()) << r1.status();
  EXPECT_EQ(r1->body, body);
  auto r2 = client->Get(server_.Url("/close"));
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(r2->body, body);
  EXPECT_EQ(r2->max_age_seconds, std::nullopt);
}

TEST_F(HttpsClientTest, CloseDelimitedBodyWithoutCloseNotifyIsRefused) {
  TestHttpsServer::Reply reply;
  reply.body = R"({"keys":[]})";
  reply.framing = Framing::kClose;
  reply.unclean_close = true;
  server_.SetReply("/cut", reply);
  auto response = Client()->Get(server_.Url("/cut"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDataLoss)
      << response.status();
}

TEST_F(HttpsClientTest, DnsNameIsSentAsSniAndVerified) {
  server_.SetJson("/jwks.json", "{}");
  HttpsClientOptions options;
  options.connect_to = "127.0.0.1";
  auto response = Client(options)->Get(
      Cat("https://localhost:", server_.port(), "/jwks.json"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(server_.last_sni(), "localhost");
}

TEST_F(HttpsClientTest, Non200IsAnError) {
  auto response = Client()->Get(server_.Url("/missing"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(response.status(), "HTTP 404")) << response.status();
  EXPECT_TRUE(Contains(response.status(), server_.Url("/missing")));
}

TEST_F(HttpsClientTest, BodyOverOneMebibyteIsRefused) {
  const std::string big(kMaxKeyDocumentBytes + 1, 'x');
  server_.SetJson("/big", big);
  TestHttpsServer::Reply chunked;
  chunked.body = big;
  chunked.framing = Framing::kChunked;
  server_.SetReply("/big-chunked", chunked);
  TestHttpsServer::Reply exact;
  exact.body = std::string(kMaxKeyDocumentBytes, 'y');
  server_.SetReply("/exact", exact);

  auto client = Client();
  for (const char* path : {"/big", "/big-chunked"}) {
    auto response = client->Get(server_.Url(path));
    ASSERT_FALSE(response.ok()) << path;
    EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted)
        << response.status();
    EXPECT_TRUE(Contains(response.status(), "larger than the limit"));
  }
  auto exact_response = client->Get(server_.Url("/exact"));
  ASSERT_TRUE(exact_response.ok()) << exact_response.status();
  EXPECT_EQ(exact_response->body.size(), kMaxKeyDocumentBytes);
}

TEST_F(HttpsClientTest, PlainHttpUrlIsRefusedWithoutConnecting) {
  auto response =
      Client()->Get(Cat("http://127.0.0.1:", server_.port(), "/jwks.json"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(response.status(), "https://"));
  EXPECT_EQ(server_.hits("/jwks.json"), 0);
}

TEST(HttpsClientTlsTest, SelfSignedCertificateNotInCaFileIsRefused) {
  TestHttpsServer rogue(TestPki::Get().self_signed);
  rogue.SetJson("/jwks.json", "{}");
  auto response = Client()->Get(rogue.Url("/jwks.json"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied)
      << response.status();
  EXPECT_TRUE(Contains(response.status(), "certificate")) << response.status();
  EXPECT_TRUE(Contains(response.status(), "rejected")) << response.status();
  EXPECT_EQ(rogue.hits("/jwks.json"), 0);  // no request was sent
}

TEST(HttpsClientTlsTest, SystemStoreDoesNotTrustTheTestCa) {
  TestHttpsServer server(TestPki::Get().server);
  server.SetJson("/jwks.json", "{}");
  auto client = HttpsClient::Create({});  // no ca_file: system CA store
  ASSERT_TRUE(client.ok()) << client.status();
  auto response = (*client)->Get(server.Url("/jwks.json"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied)
      << response.status();
}

TEST(HttpsClientTlsTest, CertificateForAnotherIpOrNameIsRefused) {
  TestHttpsServer server(TestPki::Get().wrong_name);
  server.SetJson("/jwks.json", "{}");
  auto by_ip = Client()->Get(server.Url("/jwks.json"));
  ASSERT_FALSE(by_ip.ok());
  EXPECT_EQ(by_ip.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(Contains(by_ip.status(), "IP address mismatch"))
      << by_ip.status();

  HttpsClientOptions options;
  options.connect_to = "127.0.0.1";
  auto by_name = Client(options)->Get(
      Cat("https://localhost:", server.port(), "/jwks.json"));
  ASSERT_FALSE(by_name.ok());
  EXPECT_TRUE(Contains(by_name.status(), "ostname mismatch"))
      << by_name.status();
  EXPECT_EQ(server.hits("/jwks.json"), 0);
}

TEST(HttpsClientTlsTest, ServerThatNeverAnswersTimesOut) {
  TestHttpsServer server(TestPki::Get().server);
  TestHttpsServer::Reply hang;
  hang.hang = true;
  server.SetReply("/slow", hang);
  HttpsClientOptions options;
  options.timeout = absl::Milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto response = Client(options)->Get(server.Url("/slow"));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded)
      << response.status();
  EXPECT_LT(took, std::chrono::seconds(5));  // bounded, not a perf check
}

TEST(HttpsClientTlsTest, CancelFdAbortsAFetch) {
  TestHttpsServer server(TestPki::Get().server);
  TestHttpsServer::Reply hang;
  hang.hang = true;
  server.SetReply("/slow", hang);
  UniqueFd cancel(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  std::thread canceller([&] {
    ASSERT_TRUE(server.WaitForHits("/slow", 1, std::chrono::seconds(10)));
    const uint64_t one = 1;
    EXPECT_EQ(::write(cancel.get(), &one, sizeof(one)), 8);
  });
  HttpsClientOptions options;
  options.timeout = absl::Seconds(60);
  auto response = Client(options)->Get(server.Url("/slow"), cancel.get());
  canceller.join();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kCancelled);
}

TEST(HttpsClientTlsTest, ConnectionRefusedIsUnavailable) {
  uint16_t port = 0;
  {
    TestHttpsServer server(TestPki::Get().server);
    port = server.port();
  }  // closed: nothing listens there now
  auto response = Client()->Get(Cat("https://127.0.0.1:", port, "/jwks.json"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(response.status(), "cannot connect"))
      << response.status();
}

TEST(HttpsClientTlsTest, UnreadableCaFileFailsCreate) {
  HttpsClientOptions options;
  options.ca_file = "/nonexistent/ca.pem";
  auto client = HttpsClient::Create(options);
  ASSERT_FALSE(client.ok());
  EXPECT_TRUE(Contains(client.status(), "/nonexistent/ca.pem"));
}

}  // namespace
}  // namespace jwtgate::jwks
