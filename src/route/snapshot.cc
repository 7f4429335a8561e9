// Snapshot: load (config -> builder) and route lookup.
#include "jwtgate/route/snapshot.h"

#include "jwtgate/config/config.h"
#include "jwtgate/config/diagnostics.h"
#include "route/snapshot_builder.h"
#include "route/snapshot_internal.h"

namespace jwtgate {

Snapshot::Snapshot() = default;
Snapshot::~Snapshot() = default;

absl::StatusOr<std::shared_ptr<const Snapshot>> Snapshot::Load(
    const std::string& path) {
  config::Diagnostics diag(path);
  config::Config config = config::LoadConfig(path, &diag);
  // Build even when the config has problems, so that key files and
  // variables are checked too and every problem is reported in one run.
  std::shared_ptr<Snapshot> snapshot = SnapshotBuilder::Build(config, &diag);
  if (!diag.empty()) return diag.ToStatus();
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

const Route* Snapshot::Match(std::string_view host,
                             std::string_view normalized_path) const {
  if (match_ == nullptr) return nullptr;
  const uint32_t id = match_->matcher.Match(host, normalized_path);
  return id == RouteMatcher::kNoRoute ? nullptr : &routes_[id];
}

}  // namespace jwtgate
