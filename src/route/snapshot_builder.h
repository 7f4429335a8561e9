// SnapshotBuilder: turns a typed Config into an immutable Snapshot: loads
// every key (jwt::LoadKeys), resolves names to ids, compiles policies and
// the route matcher. Problems (a key that does not load, a path_prefix that
// is not in normal form) are added to the caller's Diagnostics. Used once
// per load, off the shards.
#ifndef JWTGATE_SRC_ROUTE_SNAPSHOT_BUILDER_H_
#define JWTGATE_SRC_ROUTE_SNAPSHOT_BUILDER_H_

#include <memory>

#include "jwtgate/config/config.h"
#include "jwtgate/config/diagnostics.h"
#include "jwtgate/route/snapshot.h"

namespace jwtgate {

class SnapshotBuilder {
 public:
  // Always returns a snapshot; it is usable only if `diag` is still empty
  // afterwards (and was before).
  static std::shared_ptr<Snapshot> Build(const config::Config& config,
                                         config::Diagnostics* diag);
};

}  // namespace jwtgate

#endif  // JWTGATE_SRC_ROUTE_SNAPSHOT_BUILDER_H_
