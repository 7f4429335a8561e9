// File: jwtgate/config/ini.h
//
// The ini reader: knows only lines, `[type]` / `[type name]` section
// headers, `name = value` entries (a name may repeat) and comments. It does
// not know which sections or keys exist; the typed layer (config.h) does.
//
// Syntax:
// - Leading/trailing whitespace of a line, a key and a value is ignored;
//   CRLF line ends and a UTF-8 BOM are accepted.
// - A line whose first non-blank character is `#` or `;` is a comment.
// - After a value or a section header, a `#` or `;` preceded by a blank
//   (space or tab) starts a trailing comment: `listen = a:1  # note`. A `#`
//   or `;` with no blank before it is part of the value (`a#b`, `x;y`), so
//   a value that needs " #" can write the `#` another way (e.g. `[#]` or
//   `\x23` in a regex).
// - Values are not quoted or unescaped; double quotes are kept as written.
#ifndef JWTGATE_CONFIG_INI_H_
#define JWTGATE_CONFIG_INI_H_

#include <string>
#include <string_view>
#include <vector>

#include "jwtgate/config/diagnostics.h"

namespace jwtgate::config {

struct IniEntry {
  std::string key;
  std::string value;
  int line = 0;
};

struct IniSection {
  std::string type;  // "gateway", "key", "route", ... as written
  std::string name;  // empty for `[gateway]`
  int line = 0;
  std::vector<IniEntry> entries;  // file order
};

struct IniFile {
  std::vector<IniSection> sections;  // file order
  int line_count = 0;
};

// Splits `text` into sections and entries. Syntax errors (a line that is
// neither comment, header nor `name = value`, an entry before any section)
// go to `diag`; the rest of the file is still read.
IniFile ParseIni(std::string_view text, Diagnostics* diag);

}  // namespace jwtgate::config

#endif  // JWTGATE_CONFIG_INI_H_
