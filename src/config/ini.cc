// Ini reader: lines -> sections and entries, with line numbers.
#include "jwtgate/config/ini.h"

#include "absl/strings/ascii.h"
#include "config/text.h"

namespace jwtgate::config {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Cuts a trailing ` # comment` / ` ; comment` (blank-preceded marker).
std::string_view StripTrailingComment(std::string_view s) {
  for (size_t i = 1; i < s.size(); ++i) {
    if ((s[i] == '#' || s[i] == ';') && IsBlank(s[i - 1])) {
      return StripTrailingWs(s.substr(0, i));
    }
  }
  return s;
}

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '-' || c == '.';
}

bool IsName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

// Parses the inside of "[...]" into type and optional name.
bool ParseHeader(std::string_view inner, IniSection* section) {
  inner = StripWs(inner);
  size_t blank = inner.find_first_of(" \t");
  std::string_view type = inner.substr(0, blank);
  std::string_view name;
  if (blank != std::string_view::npos) {
    name = StripWs(inner.substr(blank));
  }
  if (!IsName(type)) return false;
  if (blank != std::string_view::npos && !IsName(name)) return false;
  section->type = std::string(type);
  section->name = std::string(name);
  return true;
}

}  // namespace

IniFile ParseIni(std::string_view text, Diagnostics* diag) {
  IniFile file;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  bool outside_reported = false;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    line = StripWs(line);  // also drops a CR
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (line.front() == '[') {
      line = StripTrailingComment(line);
      IniSection section;
      section.line = line_no;
      if (line.back() != ']' ||
          !ParseHeader(line.substr(1, line.size() - 2), &section)) {
        diag->Add(line_no,
                  "bad section header: expected [type] or [type name] "
                  "(names use letters, digits, '_', '-', '.')");
        // Entries up to the next header belong to no valid section; keep
        // them in a placeholder so they are not reported one by one.
        section.type.clear();
      }
      file.sections.push_back(std::move(section));
      continue;
    }

    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      diag->Add(line_no, "expected 'name = value', '[section]' or a comment");
      continue;
    }
    std::string_view key = StripTrailingWs(line.substr(0, eq));
    std::string_view value = StripWs(StripTrailingComment(line.substr(eq + 1)));
    if (!IsName(key)) {
      diag->Add(line_no, "expected 'name = value': bad name before '='");
      continue;
    }
    if (file.sections.empty()) {
      if (!outside_reported) {
        diag->Add(line_no, Cat("'", key,
                               "' is outside any section; start "
                               "with a [gateway] or [route NAME] "
                               "header"));
        outside_reported = true;
      }
      continue;
    }
    file.sections.back().entries.push_back(
        {std::string(key), std::string(value), line_no});
  }
  file.line_count = line_no;
  return file;
}

}  // namespace jwtgate::config
