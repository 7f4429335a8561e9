// Diagnostics: problem list rendered as `FILE:LINE: message`.
#include "jwtgate/config/diagnostics.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "config/text.h"

namespace jwtgate::config {

void Diagnostics::Add(int line, std::string message) {
  problems_.push_back({line, std::move(message)});
}

std::vector<std::string> Diagnostics::Lines() const {
  std::vector<const Problem*> sorted;
  sorted.reserve(problems_.size());
  for (const Problem& p : problems_) sorted.push_back(&p);
  std::stable_sort(
      sorted.begin(), sorted.end(),
      [](const Problem* a, const Problem* b) { return a->line < b->line; });
  std::vector<std::string> lines;
  lines.reserve(sorted.size());
  for (const Problem* p : sorted) {
    if (p->line > 0) {
      lines.push_back(Cat(file_, ":", p->line, ": ", p->message));
    } else {
      lines.push_back(Cat(file_, ": ", p->message));
    }
  }
  return lines;
}

absl::Status Diagnostics::ToStatus() const {
  if (problems_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(Lines(), "\n"));
}

}  // namespace jwtgate::config
