// SectionReader: the common checks of one ini section against the keys its
// type allows (unknown key, repeated single-value key, empty value, key not
// supported yet) and lookups of the entries that passed them. Reports go to
// a Diagnostics it does not own. Used only while loading one config.
#ifndef JWTGATE_SRC_CONFIG_SECTION_READER_H_
#define JWTGATE_SRC_CONFIG_SECTION_READER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "jwtgate/config/diagnostics.h"
#include "jwtgate/config/ini.h"

namespace jwtgate::config {

struct KeyRule {
  std::string_view name;
  bool list = false;  // may repeat
};

class SectionReader {
 public:
  SectionReader(const IniSection& section, absl::Span<const KeyRule> rules,
                Diagnostics* diag);
  SectionReader(const SectionReader&) = delete;
  SectionReader& operator=(const SectionReader&) = delete;

  // The first accepted entry for `key`, or nullptr.
  const IniEntry* Get(std::string_view key) const;
  // Every accepted entry for `key`, file order.
  std::vector<const IniEntry*> GetAll(std::string_view key) const;

  // Reports "KEY: message" at the entry's line.
  void Error(const IniEntry& entry, std::string_view message) const;
  // Same with the message of a failed `status`.
  void Error(const IniEntry& entry, const absl::Status& status) const;
  // Reports "[type name] message" at the section header's line.
  void SectionError(std::string_view message) const;

  // "[route api]" / "[gateway]".
  const std::string& title() const { return title_; }
  const IniSection& section() const { return section_; }
  Diagnostics* diag() const { return diag_; }

 private:
  const IniSection& section_;
  Diagnostics* diag_;
  std::string title_;
  std::vector<const IniEntry*> accepted_;
};

// The candidate closest to `word` by edit distance, if close enough to be a
// plausible typo; empty otherwise.
std::string_view ClosestName(std::string_view word,
                             absl::Span<const std::string_view> candidates);

}  // namespace jwtgate::config

#endif  // JWTGATE_SRC_CONFIG_SECTION_READER_H_
