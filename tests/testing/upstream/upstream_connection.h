// File: tests/testing/upstream/upstream_connection.h
//
// One client connection of jwtgate_test_upstream: a non-blocking socket
// driven by edge-triggered epoll events and timers. Requests are parsed with
// llhttp (strict) one at a time; pipelined requests wait in the input buffer
// until the answer to the previous one is fully queued, so answers leave in
// order. Bodies are hashed while they stream in and never stored.
//
// Phases: kReading (parse, answer simple requests at once) → kWaiting
// (a /slow or /drip timer is pending) → kWriting (a large or closing answer
// is being flushed) → back to kReading; kWebSocket after a 101.
//
// Ownership: owned by its EventLoop, which destroys it when a handler
// returns false. Thread rule: touched only by that loop's thread.
#ifndef JWTGATE_TESTS_TESTING_UPSTREAM_UPSTREAM_CONNECTION_H_
#define JWTGATE_TESTS_TESTING_UPSTREAM_UPSTREAM_CONNECTION_H_

#include <llhttp.h>
#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <string>

#include "jwtgate/common/unique_fd.h"
#include "responder.h"

namespace jwtgate::testing {

// What a connection needs from its loop.
class LoopServices {
 public:
  virtual ~LoopServices() = default;
  virtual int64_t NowMs() const = 0;
  // Calls the connection's OnTimer at `deadline_ms` (if it still exists).
  virtual void ScheduleTimer(uint64_t connection_id, int64_t deadline_ms) = 0;
  virtual Responder& responder() = 0;
  virtual int thread_index() const = 0;
  // A read buffer shared by the loop's connections (valid until the next
  // call on this thread).
  virtual char* scratch() = 0;
  virtual size_t scratch_size() const = 0;
};

class UpstreamConnection {
 public:
  UpstreamConnection(UniqueFd fd, uint64_t id, std::string peer,
                     LoopServices* loop);
  ~UpstreamConnection();
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  uint64_t id() const { return id_; }
  int fd() const { return fd_.get(); }

  // epoll events for this socket. Returns false when the connection is
  // finished (the loop then destroys it).
  bool OnEvents(uint32_t events);
  // A timer scheduled through LoopServices fired. Same return contract.
  bool OnTimer(int64_t now_ms);

 private:
  enum class Phase { kReading, kWaiting, kWriting, kWebSocket, kClosing };
  enum class IoResult { kProgress, kAgain, kEof, kError };

  // Runs read → parse → answer → flush until nothing moves.
  bool Drive();
  IoResult ReadInput();
  // Parses buffered input while in kReading: -1 close now, 0 nothing
  // parsed, 1 progress.
  int ParseAndDispatch();
  // Starts answering the request just parsed; false: close now.
  bool Dispatch(bool upgrade);
  bool StartPlan(ResponsePlan plan);
  IoResult Flush();
  // Appends the next chunk of a chunked pattern body to out_.
  void AppendPatternChunk();
  void Reset();  // RST: SO_LINGER 0 then close

  // llhttp callbacks (static trampolines are in the .cc).
  friend struct UpstreamParserCallbacks;
  void OnMessageBegin();
  int OnUrl(const char* at, size_t n);
  int OnHeaderField(const char* at, size_t n);
  void OnHeaderFieldComplete() { field_complete_ = true; }
  int OnHeaderValue(const char* at, size_t n);
  int OnHeadersComplete();
  void OnBody(const char* at, size_t n);
  int OnMessageComplete();

  UniqueFd fd_;
  const uint64_t id_;
  LoopServices* const loop_;
  llhttp_t parser_;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha_;

  Phase phase_ = Phase::kReading;
  bool readable_ = true;
  bool writable_ = true;
  bool eof_ = false;

  std::string in_;
  size_t parsed_ = 0;

  UpstreamRequest request_;
  size_t head_bytes_ = 0;
  bool in_trailers_ = false;
  bool field_complete_ = true;
  bool request_too_large_ = false;
  uint64_t requests_ = 0;
  std::string peer_;

  std::string out_;
  size_t out_pos_ = 0;
  ResponsePlan plan_;  // the answer in progress
  uint64_t pattern_sent_ = 0;
  uint64_t chunk_index_ = 0;
  bool chunk_final_sent_ = false;
  int64_t timer_deadline_ = 0;  // 0: no timer wanted
};

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_TESTING_UPSTREAM_UPSTREAM_CONNECTION_H_
