// The Snapshot's private match table, shared by snapshot.cc and the builder.
#ifndef JWTGATE_SRC_ROUTE_SNAPSHOT_INTERNAL_H_
#define JWTGATE_SRC_ROUTE_SNAPSHOT_INTERNAL_H_

#include <vector>

#include "jwtgate/route/snapshot.h"
#include "route/route_matcher.h"

namespace jwtgate {

struct Snapshot::MatchTable {
  explicit MatchTable(const std::vector<RouteMatcher::Entry>& entries)
      : matcher(entries) {}
  RouteMatcher matcher;
};

}  // namespace jwtgate

#endif  // JWTGATE_SRC_ROUTE_SNAPSHOT_INTERNAL_H_
