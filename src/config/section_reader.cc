// SectionReader: generic per-section key checks.
#include "config/section_reader.h"

#include <algorithm>

#include "config/text.h"

namespace jwtgate::config {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min(
          {row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string_view ClosestName(std::string_view word,
                             absl::Span<const std::string_view> candidates) {
  const size_t limit = word.size() <= 4 ? 1 : 2;
  std::string_view best;
  size_t best_distance = limit + 1;
  for (std::string_view c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

SectionReader::SectionReader(const IniSection& section,
                             absl::Span<const KeyRule> rules, Diagnostics* diag)
    : section_(section), diag_(diag) {
  title_ = section.name.empty()
               ? Cat("[", section.type, "]")
               : Cat("[", section.type, " ", section.name, "]");
  std::vector<std::string_view> names;
  for (const KeyRule& r : rules) names.push_back(r.name);

  for (const IniEntry& e : section.entries) {
    auto rule = std::find_if(rules.begin(), rules.end(),
                             [&](const KeyRule& r) { return r.name == e.key; });
    if (rule == rules.end()) {
      std::string_view hint = ClosestName(e.key, names);
      diag_->Add(e.line,
                 Cat("unknown key '", e.key, "' in ", title_,
                     hint.empty() ? "" : Cat(" (did you mean '", hint, "'?)")));
      continue;
    }
    if (e.value.empty()) {
      diag_->Add(e.line, Cat(e.key,
                             ": empty value (remove the line to use "
                             "the default)"));
      continue;
    }
    if (!rule->list) {
      const IniEntry* first = Get(e.key);
      if (first != nullptr) {
        diag_->Add(e.line,
                   Cat(e.key, " is set twice in ", title_, " (first at line ",
                       first->line, "); only list keys may repeat"));
        continue;
      }
    }
    accepted_.push_back(&e);
  }
}

const IniEntry* SectionReader::Get(std::string_view key) const {
  for (const IniEntry* e : accepted_) {
    if (e->key == key) return e;
  }
  return nullptr;
}

std::vector<const IniEntry*> SectionReader::GetAll(std::string_view key) const {
  std::vector<const IniEntry*> out;
  for (const IniEntry* e : accepted_) {
    if (e->key == key) out.push_back(e);
  }
  return out;
}

void SectionReader::Error(const IniEntry& entry,
                          std::string_view message) const {
  diag_->Add(entry.line, Cat(entry.key, ": ", message));
}

void SectionReader::Error(const IniEntry& entry,
                          const absl::Status& status) const {
  diag_->Add(entry.line, Cat(entry.key, ": ", status.message()));
}

void SectionReader::SectionError(std::string_view message) const {
  diag_->Add(section_.line, Cat(title_, " ", message));
}

}  // namespace jwtgate::config
