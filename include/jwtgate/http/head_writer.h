// File: jwtgate/http/head_writer.h
//
// Writes the heads jwtgate sends on: the request head for the upstream
// (SPEC §4 forwarding rules) and the response head for the client
// (hop-by-hop handling so each side's keep-alive is its own). Pure
// functions of their inputs; they append to a caller-owned string whose
// capacity is reused.
#ifndef JWTGATE_HTTP_HEAD_WRITER_H_
#define JWTGATE_HTTP_HEAD_WRITER_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jwtgate/http/message_head.h"

namespace jwtgate::http {

struct ExtraHeader {
  std::string_view name{};
  std::string_view value{};
};

struct UpstreamHeadParams {
  // Normalised request target (path and "?query").
  std::string_view target{};
  // Client address without port, appended to X-Forwarded-For.
  std::string_view client_ip{};
  // Lower-case names removed from every client request (Snapshot's
  // reserved_headers(): X-Auth-UserId and every claim header).
  const std::vector<std::string>* reserved_headers = nullptr;
  bool strip_authorization = false;
  // X-Auth-UserId value; empty: not sent.
  std::string_view user_id{};
  // Claim headers (empty values are skipped).
  std::span<const ExtraHeader> claim_headers{};
  // Host to send when the request has none (HTTP/1.0 without Host).
  std::string_view default_host{};
};

// Appends the upstream request head for `head` (whose spans point into
// `base`): request line with the normalised target and HTTP/1.1; client
// headers minus hop-by-hop ones (Connection and what it lists, Keep-Alive,
// Proxy-Connection, TE, Trailer, Upgrade unless a WebSocket upgrade), minus
// reserved headers and X-Forwarded-Proto, minus Authorization when
// stripping; X-Forwarded-For with the client address appended;
// X-Forwarded-Proto: http; X-Auth-UserId and claim headers. Content-Length,
// Transfer-Encoding and Host are never removed (a Connection token cannot
// unframe a request). Returns false, leaving `out` unspecified, when an
// added value holds CR, LF or NUL.
bool WriteUpstreamHead(const char* base, const RequestHead& head,
                       const UpstreamHeadParams& params, std::string* out);

struct ClientHeadParams {
  bool close = false;          // the client connection closes after this
  bool client_http10 = false;  // HTTP/1.0 client: say keep-alive explicitly
  bool tunnel = false;         // 101 for a WebSocket upgrade
  bool dechunk = false;        // body goes out decoded: drop Transfer-Encoding
};

// Appends the client response head for upstream `head` (spans into
// `base`): the upstream status line (as HTTP/1.1), its headers minus
// hop-by-hop ones, then "Connection: close" when closing, "Connection:
// keep-alive" for an HTTP/1.0 client that keeps the connection, or
// "Connection: Upgrade" with the Upgrade header kept for a tunnel.
void WriteClientResponseHead(const char* base, const ResponseHead& head,
                             const ClientHeadParams& params, std::string* out);

// True when `name` is one of the fixed hop-by-hop header names.
bool IsHopByHopHeader(std::string_view name);

}  // namespace jwtgate::http

#endif  // JWTGATE_HTTP_HEAD_WRITER_H_
