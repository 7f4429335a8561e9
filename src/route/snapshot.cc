// Snapshot: load (config -> builder) and route lookup.
#include "jwtgate/route/snapshot.h"

#include <algorithm>

#include "jwtgate/config/config.h"
#include "jwtgate/config/diagnostics.h"
#include "route/snapshot_builder.h"
#include "route/snapshot_internal.h"

namespace jwtgate {

Snapshot::Snapshot() = default;
Snapshot::Snapshot(const Snapshot&) = default;
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

std::vector<jwt::KeyPtr> PlanKeys(
    const RouteKeyPlan& plan,
    const std::vector<std::vector<jwt::KeyPtr>>& sets) {
  std::vector<jwt::KeyPtr> out;
  auto add = [&out](const std::vector<jwt::KeyPtr>& keys) {
    for (const jwt::KeyPtr& k : keys) {
      if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
    }
  };
  for (const RouteKeyPlan::Part& part : plan.parts) {
    if (part.remote < 0) {
      add(part.local);
    } else if (static_cast<size_t>(part.remote) < sets.size()) {
      add(sets[part.remote]);
    }
  }
  return out;
}

std::shared_ptr<const Snapshot> Snapshot::WithRemoteKeys(
    const std::vector<std::vector<jwt::KeyPtr>>& sets,
    std::shared_ptr<const KeyRefresher> refresher) const {
  std::shared_ptr<Snapshot> copy(new Snapshot(*this));
  copy->refresher_ = std::move(refresher);
  if (key_plans_ != nullptr) {
    for (Route& r : copy->routes_) {
      r.policy.keys = PlanKeys((*key_plans_)[r.id], sets);
    }
  }
  return copy;
}

const Route* Snapshot::Match(std::string_view host,
                             std::string_view normalized_path) const {
  if (match_ == nullptr) return nullptr;
  const uint32_t id = match_->matcher.Match(host, normalized_path);
  return id == RouteMatcher::kNoRoute ? nullptr : &routes_[id];
}

}  // namespace jwtgate
