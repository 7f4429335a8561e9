// The upstream request head (hop-by-hop, reserved headers, X-Forwarded-*,
// claim headers) and the client response head.
#include "jwtgate/http/head_writer.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtgate/http/request_parser.h"
#include "jwtgate/http/response_parser.h"

namespace jwtgate::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class UpstreamHeadTest : public ::testing::Test {
 protected:
  // Parses `request` and writes the upstream head with `params`.
  std::string Write(const std::string& request, UpstreamHeadParams params) {
    arena_ = request;
    parser_.Start(arena_.data());
    size_t used;
    EXPECT_EQ(parser_.FeedHead(arena_.data(), arena_.size(), &used),
              RequestParser::Result::kHeadComplete);
    std::string out;
    if (params.target.empty()) params.target = "/norm";
    if (params.client_ip.empty()) params.client_ip = "192.0.2.7";
    params.reserved_headers = &reserved_;
    EXPECT_TRUE(WriteUpstreamHead(arena_.data(), parser_.head(), params, &out));
    return out;
  }

  std::vector<std::string> reserved_ = {"x-auth-userid", "x-auth-email"};
  std::string arena_;
  RequestParser parser_{16 * 1024, 64};
};

TEST_F(UpstreamHeadTest, RequestLineUsesTheNormalisedTargetAndHttp11) {
  std::string out =
      Write("GET /a/../b HTTP/1.0\r\nHost: h\r\n\r\n", {.target = "/b?q=1"});
  EXPECT_THAT(out, ::testing::StartsWith("GET /b?q=1 HTTP/1.1\r\n"));
  EXPECT_THAT(out, HasSubstr("\r\nHost: h\r\n"));
  EXPECT_THAT(out, ::testing::EndsWith("\r\n\r\n"));
}

TEST_F(UpstreamHeadTest, HopByHopHeadersAndWhatConnectionListsAreRemoved) {
  std::string out = Write(
      "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Secret, "
      "Content-Length\r\nKeep-Alive: timeout=5\r\nProxy-Connection: "
      "keep-alive\r\nTE: trailers\r\nTrailer: X\r\nUpgrade: h2c\r\n"
      "X-Secret: 1\r\nX-Kept: 2\r\n\r\n",
      {});
  for (const char* gone : {"Connection:", "Keep-Alive:", "Proxy-Connection:",
                           "TE:", "Trailer:", "Upgrade:", "X-Secret:"}) {
    EXPECT_THAT(out, Not(HasSubstr(gone))) << gone;
  }
  EXPECT_THAT(out, HasSubstr("X-Kept: 2\r\n"));
}

TEST_F(UpstreamHeadTest, FramingHeadersSurviveBeingListedInConnection) {
  std::string out = Write(
      "POST / HTTP/1.1\r\nHost: h\r\nConnection: Content-Length, Host\r\n"
      "Content-Length: 3\r\n\r\n",
      {});
  EXPECT_THAT(out, HasSubstr("Content-Length: 3\r\n"));
  EXPECT_THAT(out, HasSubstr("Host: h\r\n"));
}

TEST_F(UpstreamHeadTest, WebSocketUpgradeKeepsUpgrade) {
  std::string out = Write(
      "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n"
      "Upgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n",
      {});
  EXPECT_THAT(out, HasSubstr("Upgrade: websocket\r\n"));
  EXPECT_THAT(out, HasSubstr("Connection: Upgrade\r\n"));
  EXPECT_THAT(out, HasSubstr("Sec-WebSocket-Key: k\r\n"));
}

TEST_F(UpstreamHeadTest, ReservedAndSpoofedHeadersAreReplaced) {
  std::string out = Write(
      "GET / HTTP/1.1\r\nHost: h\r\nX-Auth-UserId: admin\r\n"
      "x-auth-email: evil@example.com\r\nX-Forwarded-Proto: https\r\n\r\n",
      {.user_id = "user-1"});
  EXPECT_THAT(out, Not(HasSubstr("admin")));
  EXPECT_THAT(out, Not(HasSubstr("evil@")));
  EXPECT_THAT(out, Not(HasSubstr("https")));
  EXPECT_THAT(out, HasSubstr("X-Auth-UserId: user-1\r\n"));
  EXPECT_THAT(out, HasSubstr("X-Forwarded-Proto: http\r\n"));
}

TEST_F(UpstreamHeadTest, NoUserIdOnAuthOffRoutesButSpoofsStillRemoved) {
  std::string out =
      Write("GET / HTTP/1.1\r\nHost: h\r\nX-Auth-UserId: admin\r\n\r\n", {});
  EXPECT_THAT(out, Not(HasSubstr("X-Auth-UserId")));
  EXPECT_THAT(out, Not(HasSubstr("x-auth-userid")));
}

TEST_F(UpstreamHeadTest, XForwardedForIsAppended) {
  EXPECT_THAT(Write("GET / HTTP/1.1\r\nHost: h\r\n\r\n", {}),
              HasSubstr("X-Forwarded-For: 192.0.2.7\r\n"));
  std::string two = Write(
      "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.1\r\n"
      "X-Forwarded-For: 10.0.0.2, 10.0.0.3\r\n\r\n",
      {});
  EXPECT_THAT(two, HasSubstr("X-Forwarded-For: 10.0.0.1, 10.0.0.2, 10.0.0.3, "
                             "192.0.2.7\r\n"));
  // Exactly one X-Forwarded-For line.
  EXPECT_EQ(two.find("X-Forwarded-For"), two.rfind("X-Forwarded-For"));
}

TEST_F(UpstreamHeadTest, ClaimHeadersAndAuthorizationStrip) {
  std::vector<ExtraHeader> claims = {{"X-Auth-Email", "a@example.com"},
                                     {"X-Auth-Roles", ""}};
  std::string out = Write(
      "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t0k3n\r\n\r\n",
      {.strip_authorization = true, .user_id = "u", .claim_headers = claims});
  EXPECT_THAT(out, HasSubstr("X-Auth-Email: a@example.com\r\n"));
  EXPECT_THAT(out, Not(HasSubstr("X-Auth-Roles")));  // absent claim
  EXPECT_THAT(out, Not(HasSubstr("t0k3n")));
  std::string kept = Write(
      "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t0k3n\r\n\r\n", {});
  EXPECT_THAT(kept, HasSubstr("Authorization: Bearer t0k3n\r\n"));
}

TEST_F(UpstreamHeadTest, HostAddedForHttp10WithoutHost) {
  std::string out =
      Write("GET / HTTP/1.0\r\n\r\n", {.default_host = "127.0.0.1:9000"});
  EXPECT_THAT(out, HasSubstr("Host: 127.0.0.1:9000\r\n"));
}

TEST_F(UpstreamHeadTest, InjectedLineBreaksAreRefused) {
  arena_ = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  parser_.Start(arena_.data());
  size_t used;
  ASSERT_EQ(parser_.FeedHead(arena_.data(), arena_.size(), &used),
            RequestParser::Result::kHeadComplete);
  std::string out;
  UpstreamHeadParams p{
      .target = "/", .client_ip = "1.2.3.4", .user_id = "a\r\nX-Evil: 1"};
  EXPECT_FALSE(WriteUpstreamHead(arena_.data(), parser_.head(), p, &out));
  std::vector<ExtraHeader> claims = {{"X-C", std::string_view("a\0b", 3)}};
  p.user_id = "ok";
  p.claim_headers = claims;
  EXPECT_FALSE(WriteUpstreamHead(arena_.data(), parser_.head(), p, &out));
}

class ClientHeadTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& response, ClientHeadParams params) {
    arena_ = response;
    parser_.Start(arena_.data(), false);
    size_t used;
    EXPECT_EQ(parser_.FeedHead(arena_.data(), arena_.size(), &used),
              ResponseParser::Result::kHeadComplete);
    std::string out;
    WriteClientResponseHead(arena_.data(), parser_.head(), params, &out);
    return out;
  }
  std::string arena_;
  ResponseParser parser_{16 * 1024, 64};
};

TEST_F(ClientHeadTest, StatusLineAndEndToEndHeadersPass) {
  std::string out =
      Write("HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-Up: 1\r\n\r\n", {});
  EXPECT_EQ(out,
            "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-Up: 1\r\n\r\n");
}

TEST_F(ClientHeadTest, UpstreamConnectionHeadersDoNotLeak) {
  std::string out = Write(
      "HTTP/1.1 200 OK\r\nConnection: close, X-Hop\r\nKeep-Alive: timeout=1\r\n"
      "X-Hop: 1\r\nContent-Length: 0\r\n\r\n",
      {});
  EXPECT_THAT(out, Not(HasSubstr("Connection")));
  EXPECT_THAT(out, Not(HasSubstr("Keep-Alive")));
  EXPECT_THAT(out, Not(HasSubstr("X-Hop")));
}

TEST_F(ClientHeadTest, ClosingAndHttp10KeepAlive) {
  const std::string r = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  EXPECT_THAT(Write(r, {.close = true}), HasSubstr("Connection: close\r\n"));
  EXPECT_THAT(Write(r, {.client_http10 = true}),
              HasSubstr("Connection: keep-alive\r\n"));
  EXPECT_THAT(Write(r, {}), Not(HasSubstr("Connection")));
}

TEST_F(ClientHeadTest, DechunkDropsTransferEncoding) {
  std::string out =
      Write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            {.close = true, .client_http10 = true, .dechunk = true});
  EXPECT_THAT(out, Not(HasSubstr("Transfer-Encoding")));
  EXPECT_THAT(out, HasSubstr("Connection: close\r\n"));
}

TEST_F(ClientHeadTest, TunnelKeepsUpgrade) {
  std::string out = Write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n",
      {.tunnel = true});
  EXPECT_THAT(out, HasSubstr("Upgrade: websocket\r\n"));
  EXPECT_THAT(out, HasSubstr("Connection: Upgrade\r\n"));
  EXPECT_THAT(out, HasSubstr("Sec-WebSocket-Accept: x\r\n"));
}

TEST(HopByHopTest, FixedNames) {
  for (const char* n : {"Connection", "keep-alive", "PROXY-CONNECTION", "te",
                        "Trailer", "Upgrade"}) {
    EXPECT_TRUE(IsHopByHopHeader(n)) << n;
  }
  for (const char* n : {"Content-Length", "Transfer-Encoding", "tee", "Host"}) {
    EXPECT_FALSE(IsHopByHopHeader(n)) << n;
  }
}

}  // namespace
}  // namespace jwtgate::http
