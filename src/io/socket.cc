// Listener and stream socket helpers.
#include "jwtgate/io/socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace jwtgate::io {
namespace {

absl::Status SocketError(absl::string_view what, const SocketAddress* address,
                         int err) {
  std::string where = address != nullptr ? address->ToString() : "";
  std::string message =
      address != nullptr
          ? absl::StrCat(what, " ", where, ": ", std::strerror(err))
          : absl::StrCat(what, ": ", std::strerror(err));
  if (err == EADDRINUSE || err == EACCES || err == EADDRNOTAVAIL) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

bool SetIntOption(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof(value)) == 0;
}

}  // namespace

absl::StatusOr<UniqueFd> ListenReusePort(const SocketAddress& address,
                                         int backlog) {
  UniqueFd fd(socket(address.family(),
                     SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd.valid()) return SocketError("listen", &address, errno);
  if (!SetIntOption(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1) ||
      !SetIntOption(fd.get(), SOL_SOCKET, SO_REUSEPORT, 1) ||
      !SetIntOption(fd.get(), IPPROTO_TCP, TCP_NODELAY, 1)) {
    return SocketError("listen", &address, errno);
  }
  if (address.family() == AF_INET6) {
    // "[::]:port" means IPv6 only; list 0.0.0.0 separately for IPv4.
    SetIntOption(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, 1);
  }
  if (bind(fd.get(), address.addr(), address.len) != 0) {
    return SocketError("listen", &address, errno);
  }
  if (listen(fd.get(), backlog) != 0) {
    return SocketError("listen", &address, errno);
  }
  return fd;
}

absl::StatusOr<UniqueFd> NewStreamSocket(int family) {
  UniqueFd fd(
      socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd.valid()) return SocketError("socket", nullptr, errno);
  SetIntOption(fd.get(), IPPROTO_TCP, TCP_NODELAY, 1);
  return fd;
}

absl::StatusOr<SocketAddress> LocalAddress(int fd) {
  SocketAddress out;
  out.len = sizeof(out.storage);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&out.storage), &out.len) !=
      0) {
    return SocketError("getsockname", nullptr, errno);
  }
  return out;
}

absl::StatusOr<SocketAddress> PeerAddress(int fd) {
  SocketAddress out;
  out.len = sizeof(out.storage);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&out.storage), &out.len) !=
      0) {
    return SocketError("getpeername", nullptr, errno);
  }
  return out;
}

}  // namespace jwtgate::io
