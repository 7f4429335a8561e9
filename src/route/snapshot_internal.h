// The Snapshot's private parts (match table, key plans), shared by
// snapshot.cc and the builder.
#ifndef JWTGATE_SRC_ROUTE_SNAPSHOT_INTERNAL_H_
#define JWTGATE_SRC_ROUTE_SNAPSHOT_INTERNAL_H_

#include <vector>

#include "jwtgate/jwt/key.h"
#include "jwtgate/route/snapshot.h"
#include "route/route_matcher.h"

namespace jwtgate {

struct Snapshot::MatchTable {
  explicit MatchTable(const std::vector<RouteMatcher::Entry>& entries)
      : matcher(entries) {}
  RouteMatcher matcher;
};

// Where a route's candidate keys come from: its [key] sections in config
// order, each either loaded keys or a remote key set (filled in by
// WithRemoteKeys).
struct RouteKeyPlan {
  struct Part {
    std::vector<jwt::KeyPtr> local;
    int remote = -1;  // RemoteKeySet id, or -1 for `local`
  };
  std::vector<Part> parts;
};

// A route's policy.keys: the plan's keys in order, each key once; remote
// set i contributes `sets[i]` (none when i is past the end).
std::vector<jwt::KeyPtr> PlanKeys(
    const RouteKeyPlan& plan,
    const std::vector<std::vector<jwt::KeyPtr>>& sets);

}  // namespace jwtgate

#endif  // JWTGATE_SRC_ROUTE_SNAPSHOT_INTERNAL_H_
