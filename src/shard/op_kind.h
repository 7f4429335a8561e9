// File: src/shard/op_kind.h
//
// The operation kinds a shard puts into io_uring user_data (with slot and
// generation, see io::UserData). Each kind has exactly one completion
// handler in Shard::Dispatch.
#ifndef JWTGATE_SHARD_OP_KIND_H_
#define JWTGATE_SHARD_OP_KIND_H_

#include <cstdint>

namespace jwtgate {

enum class OpKind : uint8_t {
  kNone = 0,        // completion needs no handling (cancel requests)
  kAccept = 1,      // slot: listener index
  kMailbox = 2,     // eventfd read of the control mailbox
  kClientRecv = 3,  // multishot recv on a client socket
  kClientSend = 4,  // send/sendmsg to a client
  kUpstreamConnect = 5,
  kUpstreamRecv = 6,  // multishot recv on an upstream socket
  kUpstreamSend = 7,
  // Single-shot readiness polls of a splice (shard_splice.cc): readable
  // source, writable destination.
  kClientPollIn = 8,
  kClientPollOut = 9,
  kUpstreamPollIn = 10,
  kUpstreamPollOut = 11,
};

// Timer classes of a shard's TimerLists.
enum TimerClass : int {
  kTimerClientHeader = 0,  // client_header_timeout: head must arrive
  kTimerClientIdle = 1,    // client_idle_timeout: keep-alive idle
  kTimerLinger = 2,        // lingering close
  kTimerUpstreamConnect = 3,
  kTimerUpstreamResponse = 4,  // upstream_timeout: no progress
  kTimerUpstreamIdle = 5,      // idle pooled connection closed after this
  kTimerUpstreamSurplus = 6,   // idle beyond `keepalive`: closed soon
  kTimerClassCount = 7,
};

}  // namespace jwtgate

#endif  // JWTGATE_SHARD_OP_KIND_H_
