// File: tests/testing/http_client.h
//
// A raw-socket HTTP/1.1 client for tests: it sends exactly the bytes it is
// given (so tests can send malformed and smuggling requests) and reads one
// response at a time with RFC 9112 framing: no body for HEAD, 1xx, 204 and
// 304; chunked (trailers kept); Content-Length; else until close. Bytes past
// one response stay buffered for the next, so keep-alive and pipelining work.
// Its framing code is independent of jwtgate's parsers on purpose. It is
// strict: a response head with a bare LF, a malformed status line or
// conflicting Content-Length values is an error, not a guess.
//
//   ASSERT_OK_AND_ASSIGN(HttpClient c, HttpClient::Connect(port));
//   ASSERT_THAT(c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), IsOk());
//   ASSERT_OK_AND_ASSIGN(HttpResponse r, c.ReadResponse());
//
// Every call is bounded by a timeout. Thread rule: one thread per client.
#ifndef JWTGATE_TESTS_TESTING_HTTP_CLIENT_H_
#define JWTGATE_TESTS_TESTING_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "jwtgate/common/unique_fd.h"

namespace jwtgate::testing {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  HeaderList headers;   // in order, values without surrounding whitespace
  HeaderList trailers;  // chunked bodies only
  std::string body;     // de-chunked
  bool chunked = false;
  bool close_delimited = false;  // body ran until the server closed

  // First header named `name` (case-insensitive).
  std::optional<std::string> Header(std::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string> HeaderValues(std::string_view name) const;
  size_t HeaderCount(std::string_view name) const;
};

struct ReadOptions {
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
  bool head_request = false;  // the response answers a HEAD: no body
  bool skip_interim = true;   // skip 1xx (except 101) answers
};

// What happened to a connection that a test expects to be closed.
enum class PeerState { kClosed, kReset, kData, kTimeout };
const char* PeerStateName(PeerState s);

class HttpClient {
 public:
  static absl::StatusOr<HttpClient> Connect(
      uint16_t port,
      std::chrono::milliseconds timeout = std::chrono::seconds(5));

  HttpClient(HttpClient&&) = default;
  HttpClient& operator=(HttpClient&&) = default;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends all of `bytes` (bounded by `timeout`).
  absl::Status Send(std::string_view bytes, std::chrono::milliseconds timeout =
                                                std::chrono::seconds(10));
  absl::StatusOr<HttpResponse> ReadResponse(const ReadOptions& options = {});
  // Sends `request` (see BuildRequest) and reads its response.
  absl::StatusOr<HttpResponse> RoundTrip(std::string_view request,
                                         const ReadOptions& options = {});

  // Reads until the peer closes; kData if any byte arrives first (it is
  // kept in the buffer), kTimeout if nothing happens within `timeout`.
  PeerState WaitForClose(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads whatever arrives within `timeout` or until close, for raw checks.
  std::string ReadAvailable(std::chrono::milliseconds timeout);
  // Returns the next `n` raw bytes (fewer if the peer closes or `timeout`
  // passes first), e.g. WebSocket frames after a 101.
  std::string ReadExactly(
      size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5));

  void ShutdownWrite();
  // Closes with RST (SO_LINGER 0), as an aborting client does.
  void Abort();
  void Close() { fd_.Reset(); }

  int fd() const { return fd_.get(); }
  uint16_t local_port() const { return local_port_; }
  // Received bytes not consumed by a response yet.
  const std::string& buffered() const { return buf_; }

 private:
  explicit HttpClient(UniqueFd fd, uint16_t local_port)
      : fd_(std::move(fd)), local_port_(local_port) {}
  // Reads more into buf_. OK with *eof set at close; DeadlineExceeded.
  absl::Status Fill(std::chrono::steady_clock::time_point deadline, bool* eof);
  // Ensures buf_ holds `n` bytes past `pos`.
  absl::Status Need(size_t pos, size_t n,
                    std::chrono::steady_clock::time_point deadline);
  // Returns the index of "\r\n" at or after `pos`, reading as needed.
  absl::StatusOr<size_t> FindLine(size_t pos,
                                  std::chrono::steady_clock::time_point dl);

  UniqueFd fd_;
  uint16_t local_port_ = 0;
  std::string buf_;
  bool eof_ = false;
};

// "METHOD TARGET HTTP/1.1\r\n" + headers + CRLF + body. Adds
// `Host: localhost` unless `headers` has a Host, and `Content-Length` when
// `body` is non-empty and `headers` has neither Content-Length nor
// Transfer-Encoding.
std::string BuildRequest(std::string_view method, std::string_view target,
                         const HeaderList& headers = {},
                         std::string_view body = "",
                         std::string_view version = "HTTP/1.1");

// `body` as chunks of the given sizes (cycled), then "0\r\n\r\n".
std::string ChunkedBody(std::string_view body,
                        const std::vector<size_t>& sizes = {4096});

// Lower-case hex SHA-256.
std::string Sha256Hex(std::string_view data);

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_TESTING_HTTP_CLIENT_H_
