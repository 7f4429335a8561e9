// File: tests/testing/upstream/websocket.h
//
// The `/ws` endpoint of jwtgate_test_upstream: RFC 6455 handshake and an
// echo of every frame. Client frames (masked) come back unmasked with the
// same FIN bit and opcode; a ping is answered with a pong; a close frame is
// echoed and the connection then closes. Enough to prove a tunnel carries
// frames both ways and propagates close; not a general WebSocket server.
#ifndef JWTGATE_TESTS_TESTING_UPSTREAM_WEBSOCKET_H_
#define JWTGATE_TESTS_TESTING_UPSTREAM_WEBSOCKET_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "responder.h"

namespace jwtgate::testing {

// The 101 head answering `request`, or nullopt when it is not a valid
// WebSocket upgrade (no `Upgrade: websocket` or no Sec-WebSocket-Key).
std::optional<std::string> WebSocketAcceptHead(const UpstreamRequest& request);

// Sec-WebSocket-Accept value for a Sec-WebSocket-Key (RFC 6455 §4.2.2).
std::string WebSocketAccept(std::string_view key);

enum class WsResult { kNeedMore, kClose, kError };

// Consumes complete frames from the front of `in` (erasing them), appends
// the echoes to `out`. kClose once a close frame was echoed; kError on a
// protocol violation (unmasked frame, frame over 16 MiB).
WsResult EchoWebSocketFrames(std::string* in, std::string* out);

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_TESTING_UPSTREAM_WEBSOCKET_H_
