// File: jwtgate/common/socket_address.h
//
// An IPv4/IPv6 socket address parsed from the config syntax `host:port` or
// `[v6]:port` (numeric hosts only; `localhost` and `*` are accepted as
// 127.0.0.1 and 0.0.0.0). Implemented in src/common/socket_address.cc.
#ifndef JWTGATE_COMMON_SOCKET_ADDRESS_H_
#define JWTGATE_COMMON_SOCKET_ADDRESS_H_

#include <sys/socket.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace jwtgate {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t len = 0;

  const sockaddr* addr() const {
    return reinterpret_cast<const sockaddr*>(&storage);
  }
  int family() const { return storage.ss_family; }
  // "127.0.0.1:8080" or "[::1]:8080".
  std::string ToString() const;
  // Address only, no port ("127.0.0.1", "::1"): used for X-Forwarded-For.
  std::string HostString() const;
  bool operator==(const SocketAddress& o) const;

  // Errors: InvalidArgument with a message fit for `FILE:LINE: message`
  // (e.g. "port 99999 out of range 1-65535").
  static absl::StatusOr<SocketAddress> Parse(std::string_view text);
};

}  // namespace jwtgate

#endif  // JWTGATE_COMMON_SOCKET_ADDRESS_H_
