// Test helpers for config and route tests: a scratch directory for config
// and key files, and a loader that returns the problem lines.
#ifndef JWTGATE_TESTS_CONFIG_CONFIG_TEST_UTIL_H_
#define JWTGATE_TESTS_CONFIG_CONFIG_TEST_UTIL_H_

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "jwtgate/route/snapshot.h"

namespace jwtgate::testing_config {

// A fresh directory under $TMPDIR, removed with its content on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = getenv("TMPDIR");
    std::string templ =
        std::string(tmp != nullptr ? tmp : "/tmp") + "/jwtgate-cfg-XXXXXX";
    char* made = mkdtemp(templ.data());
    EXPECT_NE(made, nullptr);
    path_ = templ;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `content` to `name` inside the directory; returns the full path.
  std::string Write(const std::string& name, const std::string& content) const {
    const std::string full = path_ + "/" + name;
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out << content;
    EXPECT_TRUE(out.good()) << full;
    return full;
  }

 private:
  std::string path_;
};

// Loads `text` as `dir/name` through Snapshot::Load. Returns the problem
// lines with the directory stripped from the file name (so tests compare
// against "name:LINE: ..."), empty when the config loads.
inline std::vector<std::string> LoadProblems(
    const ScratchDir& dir, const std::string& text,
    const std::string& name = "t.ini") {
  const std::string path = dir.Write(name, text);
  absl::StatusOr<SnapshotPtr> s = Snapshot::Load(path);
  std::vector<std::string> lines;
  if (s.ok()) return lines;
  const std::string prefix = dir.path() + "/";
  for (absl::string_view l :
       absl::StrSplit(s.status().message(), '\n', absl::SkipEmpty())) {
    std::string line(l);
    if (line.rfind(prefix, 0) == 0) line.erase(0, prefix.size());
    lines.push_back(line);
  }
  return lines;
}

// Loads `text` and fails the test if it does not load.
inline SnapshotPtr LoadOk(const ScratchDir& dir, const std::string& text,
                          const std::string& name = "t.ini") {
  const std::string path = dir.Write(name, text);
  absl::StatusOr<SnapshotPtr> s = Snapshot::Load(path);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? *s : nullptr;
}

}  // namespace jwtgate::testing_config

#endif  // JWTGATE_TESTS_CONFIG_CONFIG_TEST_UTIL_H_
