// File: jwtgate/config/diagnostics.h
//
// Collects config problems as (line, message) so that one run reports all
// of them, each rendered as `FILE:LINE: message` (like `nginx -t`). Messages
// must never contain a secret value: callers put names, paths and the
// offending non-secret values in them, nothing read from a secret source.
// Not thread-safe; one per load.
#ifndef JWTGATE_CONFIG_DIAGNOSTICS_H_
#define JWTGATE_CONFIG_DIAGNOSTICS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace jwtgate::config {

class Diagnostics {
 public:
  // `file` is the config path as the operator gave it.
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  // Records a problem at `line` (1-based; 0 for the file as a whole).
  void Add(int line, std::string message);

  bool empty() const { return problems_.empty(); }
  size_t size() const { return problems_.size(); }
  const std::string& file() const { return file_; }

  // Every problem as `FILE:LINE: message`, sorted by line (stable for one
  // line), one per element.
  std::vector<std::string> Lines() const;

  // OK when empty; otherwise InvalidArgument whose message is Lines()
  // joined by '\n'.
  absl::Status ToStatus() const;

 private:
  struct Problem {
    int line;
    std::string message;
  };
  std::string file_;
  std::vector<Problem> problems_;
};

}  // namespace jwtgate::config

#endif  // JWTGATE_CONFIG_DIAGNOSTICS_H_
