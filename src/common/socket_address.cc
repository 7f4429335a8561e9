// SocketAddress: numeric IPv4/IPv6 `host:port` parsing and printing.
#include "jwtgate/common/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace jwtgate {
namespace {

// Our headers use std::string_view; Debian's abseil has its own type.
absl::string_view Av(std::string_view s) { return {s.data(), s.size()}; }

// Splits "host:port" / "[v6]:port" into its parts (brackets removed).
absl::Status SplitHostPort(std::string_view text, std::string_view* host,
                           std::string_view* port, bool* bracketed) {
  *bracketed = false;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", Av(text), "': missing ']' after IPv6 address"));
    }
    *host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", Av(text), "': expected [v6]:port (the port is required)"));
    }
    *port = rest.substr(1);
    *bracketed = true;
    return absl::OkStatus();
  }
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", Av(text), "': expected host:port (the port is required)"));
  }
  *host = text.substr(0, colon);
  *port = text.substr(colon + 1);
  if (host->find(':') != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", Av(text), "': write IPv6 addresses in brackets, e.g. [::1]:8080"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint16_t> ParsePort(std::string_view port) {
  if (port.empty() || port.size() > 9 ||
      port.find_first_not_of("0123456789") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("port '", Av(port), "' is not a number"));
  }
  uint32_t value = 0;
  for (char c : port) value = value * 10 + static_cast<uint32_t>(c - '0');
  if (value < 1 || value > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("port ", Av(port), " out of range 1-65535"));
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

absl::StatusOr<SocketAddress> SocketAddress::Parse(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  bool bracketed = false;
  absl::Status split = SplitHostPort(text, &host, &port_text, &bracketed);
  if (!split.ok()) return split;
  absl::StatusOr<uint16_t> port = ParsePort(port_text);
  if (!port.ok()) return port.status();

  std::string host_str(host);
  if (!bracketed) {
    if (host_str == "localhost") host_str = "127.0.0.1";
    if (host_str == "*") host_str = "0.0.0.0";
  }
  SocketAddress out;
  if (bracketed) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    if (inet_pton(AF_INET6, host_str.c_str(), &sin6->sin6_addr) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", Av(host), "' is not a numeric IPv6 address"));
    }
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(*port);
    out.len = sizeof(sockaddr_in6);
    return out;
  }
  auto* sin = reinterpret_cast<sockaddr_in*>(&out.storage);
  if (host_str.empty() ||
      inet_pton(AF_INET, host_str.c_str(), &sin->sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", Av(host), "' is not a numeric IPv4 address (or localhost, *)"));
  }
  sin->sin_family = AF_INET;
  sin->sin_port = htons(*port);
  out.len = sizeof(sockaddr_in);
  return out;
}

std::string SocketAddress::HostString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&storage);
    inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
  } else if (family() == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
  }
  return std::string(buf);
}

std::string SocketAddress::ToString() const {
  if (family() == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&storage);
    return absl::StrCat(HostString(), ":", ntohs(sin->sin_port));
  }
  if (family() == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    return absl::StrCat("[", HostString(), "]:", ntohs(sin6->sin6_port));
  }
  return "";
}

bool SocketAddress::operator==(const SocketAddress& o) const {
  if (family() != o.family()) return false;
  if (family() == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&storage);
    const auto* b = reinterpret_cast<const sockaddr_in*>(&o.storage);
    return a->sin_port == b->sin_port &&
           a->sin_addr.s_addr == b->sin_addr.s_addr;
  }
  if (family() == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage);
    const auto* b = reinterpret_cast<const sockaddr_in6*>(&o.storage);
    return a->sin6_port == b->sin6_port &&
           std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(in6_addr)) == 0 &&
           a->sin6_scope_id == b->sin6_scope_id;
  }
  return len == o.len && std::memcmp(&storage, &o.storage, len) == 0;
}

}  // namespace jwtgate
