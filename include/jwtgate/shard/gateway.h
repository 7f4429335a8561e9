// File: jwtgate/shard/gateway.h
//
// Runs the gateway in the foreground until SIGTERM/SIGINT: loads the
// Snapshot, starts the ShardSet, waits for signals (signalfd), drains.
// Implemented in src/shard/gateway.cc; lifecycle parts (reload, sd_notify,
// metrics listener, access log) are wired in from src/ops/.
#ifndef JWTGATE_SHARD_GATEWAY_H_
#define JWTGATE_SHARD_GATEWAY_H_

#include <string>

namespace jwtgate {

// Returns the process exit code: 0 after a clean drain, 1 if the config does
// not load or a listener cannot be opened (errors logged to stderr).
int RunGateway(const std::string& config_path);

}  // namespace jwtgate

#endif  // JWTGATE_SHARD_GATEWAY_H_
