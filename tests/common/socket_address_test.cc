// SocketAddress parsing of the config syntax `host:port` / `[v6]:port`.
#include "jwtgate/common/socket_address.h"

#include <netinet/in.h>

#include <string>

#include "gtest/gtest.h"

namespace jwtgate {
namespace {

std::string RoundTrip(std::string_view text) {
  absl::StatusOr<SocketAddress> a = SocketAddress::Parse(text);
  if (!a.ok()) return "error: " + std::string(a.status().message());
  return a->ToString();
}

TEST(SocketAddressTest, ParsesIpv4AndIpv6) {
  EXPECT_EQ(RoundTrip("127.0.0.1:8080"), "127.0.0.1:8080");
  EXPECT_EQ(RoundTrip("0.0.0.0:1"), "0.0.0.0:1");
  EXPECT_EQ(RoundTrip("[::1]:65535"), "[::1]:65535");
  EXPECT_EQ(RoundTrip("[2001:db8::7]:443"), "[2001:db8::7]:443");
  EXPECT_EQ(RoundTrip("localhost:9000"), "127.0.0.1:9000");
  EXPECT_EQ(RoundTrip("*:80"), "0.0.0.0:80");
}

TEST(SocketAddressTest, FamilyLengthAndHost) {
  absl::StatusOr<SocketAddress> v4 = SocketAddress::Parse("10.1.2.3:99");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->family(), AF_INET);
  EXPECT_EQ(v4->len, sizeof(sockaddr_in));
  EXPECT_EQ(v4->HostString(), "10.1.2.3");
  absl::StatusOr<SocketAddress> v6 = SocketAddress::Parse("[fe80::1]:99");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->family(), AF_INET6);
  EXPECT_EQ(v6->len, sizeof(sockaddr_in6));
  EXPECT_EQ(v6->HostString(), "fe80::1");
}

TEST(SocketAddressTest, RejectsBadPorts) {
  EXPECT_EQ(RoundTrip("127.0.0.1:99999"),
            "error: port 99999 out of range 1-65535");
  EXPECT_EQ(RoundTrip("127.0.0.1:0"), "error: port 0 out of range 1-65535");
  EXPECT_EQ(RoundTrip("127.0.0.1:http"), "error: port 'http' is not a number");
  EXPECT_EQ(RoundTrip("127.0.0.1:"), "error: port '' is not a number");
  EXPECT_EQ(RoundTrip("127.0.0.1:-1"), "error: port '-1' is not a number");
  EXPECT_EQ(RoundTrip("127.0.0.1:12345678901"),
            "error: port '12345678901' is not a number");
}

TEST(SocketAddressTest, RejectsBadHosts) {
  EXPECT_NE(RoundTrip("127.0.0.1").find("the port is required"),
            std::string::npos);
  EXPECT_NE(RoundTrip("example.com:80").find("not a numeric IPv4"),
            std::string::npos);
  EXPECT_NE(RoundTrip("256.1.1.1:80").find("not a numeric IPv4"),
            std::string::npos);
  EXPECT_NE(RoundTrip(":80").find("not a numeric IPv4"), std::string::npos);
  EXPECT_NE(RoundTrip("::1:80").find("brackets"), std::string::npos);
  EXPECT_NE(RoundTrip("[::1]").find("the port is required"), std::string::npos);
  EXPECT_NE(RoundTrip("[::1:80").find("missing ']'"), std::string::npos);
  EXPECT_NE(RoundTrip("[1.2.3.4]:80").find("not a numeric IPv6"),
            std::string::npos);
}

TEST(SocketAddressTest, Equality) {
  auto a = SocketAddress::Parse("127.0.0.1:80");
  auto b = SocketAddress::Parse("localhost:80");
  auto c = SocketAddress::Parse("127.0.0.1:81");
  auto d = SocketAddress::Parse("[::1]:80");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_TRUE(*a == *b);
  EXPECT_FALSE(*a == *c);
  EXPECT_FALSE(*a == *d);
}

}  // namespace
}  // namespace jwtgate
