// File: jwtgate/ops/metrics_server.h
//
// The `metrics_listen` endpoint: a small HTTP/1.1 server on its own thread
// (epoll, off the shards) answering GET /metrics (Prometheus text) and
// GET /healthz (200 "ok", 503 "draining"); 404 for other paths, 405 for
// other methods. One request per connection (Connection: close), a bounded
// number of connections, and a deadline per connection. Implemented in
// src/ops/metrics_server.cc.
#ifndef JWTGATE_OPS_METRICS_SERVER_H_
#define JWTGATE_OPS_METRICS_SERVER_H_

#include <cstdint>
#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "jwtgate/common/socket_address.h"
#include "jwtgate/common/unique_fd.h"

namespace jwtgate::ops {

class MetricsRegistry;

// Owned by the gateway runner; Start() and Stop()/destruction from the
// control thread. `registry` must outlive the server.
class MetricsServer {
 public:
  struct Options {
    int max_connections = 64;           // more are accepted and closed at once
    int64_t request_timeout_ms = 5000;  // whole exchange per connection
    size_t max_request_bytes = 8192;    // request head; over it: 431
  };

  // Binds `address` (port 0 picks a free port) and starts the thread.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const SocketAddress& address, const MetricsRegistry* registry,
      const Options& options);
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const SocketAddress& address, const MetricsRegistry* registry) {
    return Start(address, registry, Options{});
  }
  ~MetricsServer();  // Stop()
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The bound address (with the real port when 0 was asked for).
  const SocketAddress& address() const { return bound_; }
  // Closes the listener and every connection; joins the thread. Idempotent.
  void Stop();

 private:
  struct Loop;
  MetricsServer() = default;

  SocketAddress bound_;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
};

}  // namespace jwtgate::ops

#endif  // JWTGATE_OPS_METRICS_SERVER_H_
