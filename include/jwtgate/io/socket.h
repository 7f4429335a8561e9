// File: jwtgate/io/socket.h
//
// Socket set-up done synchronously outside the hot path: per-shard
// SO_REUSEPORT listeners, upstream stream sockets, address queries. Every
// socket is non-blocking and close-on-exec. Thread-safe (no shared state).
#ifndef JWTGATE_IO_SOCKET_H_
#define JWTGATE_IO_SOCKET_H_

#include "absl/status/statusor.h"
#include "jwtgate/common/socket_address.h"
#include "jwtgate/common/unique_fd.h"

namespace jwtgate::io {

// A listening TCP socket on `address` with SO_REUSEADDR and SO_REUSEPORT
// (each shard binds its own) and TCP_NODELAY (inherited by accepted
// sockets). Errors read "listen 127.0.0.1:8080: Address already in use".
absl::StatusOr<UniqueFd> ListenReusePort(const SocketAddress& address,
                                         int backlog);

// A non-blocking TCP socket for `family` with TCP_NODELAY, not connected.
absl::StatusOr<UniqueFd> NewStreamSocket(int family);

// The local address of a bound socket (the real port after binding 0).
absl::StatusOr<SocketAddress> LocalAddress(int fd);
// The peer address of a connected socket.
absl::StatusOr<SocketAddress> PeerAddress(int fd);

}  // namespace jwtgate::io

#endif  // JWTGATE_IO_SOCKET_H_
