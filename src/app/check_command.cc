// `jwtgate --check`: build the Snapshot exactly as the gateway would, and
// report "ok" or every problem.
#include "absl/strings/str_split.h"
#include "app/commands.h"
#include "jwtgate/route/snapshot.h"

namespace jwtgate::app {

int RunCheck(const std::string& config_path, std::ostream& out,
             std::ostream& err) {
  absl::StatusOr<SnapshotPtr> snapshot = Snapshot::Load(config_path);
  if (snapshot.ok()) {
    out << "ok\n";
    return kExitOk;
  }
  // One `FILE:LINE: message` per line already.
  for (absl::string_view line :
       absl::StrSplit(snapshot.status().message(), '\n', absl::SkipEmpty())) {
    err << std::string(line) << "\n";
  }
  return kExitFailure;
}

}  // namespace jwtgate::app
