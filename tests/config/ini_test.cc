// The ini reader: sections, entries, line numbers, comments, syntax errors.
#include "jwtgate/config/ini.h"

#include "gtest/gtest.h"

namespace jwtgate::config {
namespace {

TEST(IniTest, SectionsEntriesAndLines) {
  Diagnostics diag("f.ini");
  IniFile ini = ParseIni(
      "# comment\n"
      "; another comment\n"
      "\n"
      "[gateway]\n"
      "listen = 127.0.0.1:8080\n"
      "  listen=127.0.0.1:8081  \n"
      "[route  api ]\n"
      "path_prefix = /api/\n",
      &diag);
  EXPECT_TRUE(diag.empty());
  ASSERT_EQ(ini.sections.size(), 2u);
  EXPECT_EQ(ini.sections[0].type, "gateway");
  EXPECT_EQ(ini.sections[0].name, "");
  EXPECT_EQ(ini.sections[0].line, 4);
  ASSERT_EQ(ini.sections[0].entries.size(), 2u);
  EXPECT_EQ(ini.sections[0].entries[0].key, "listen");
  EXPECT_EQ(ini.sections[0].entries[0].value, "127.0.0.1:8080");
  EXPECT_EQ(ini.sections[0].entries[0].line, 5);
  EXPECT_EQ(ini.sections[0].entries[1].value, "127.0.0.1:8081");
  EXPECT_EQ(ini.sections[0].entries[1].line, 6);
  EXPECT_EQ(ini.sections[1].type, "route");
  EXPECT_EQ(ini.sections[1].name, "api");
  EXPECT_EQ(ini.sections[1].line, 7);
  EXPECT_EQ(ini.sections[1].entries[0].line, 8);
  EXPECT_EQ(ini.line_count, 8);
}

TEST(IniTest, TrailingCommentsNeedABlankBefore) {
  Diagnostics diag("f.ini");
  IniFile ini = ParseIni(
      "[s x]  # header comment\n"
      "a = one # comment\n"
      "b = two\t; comment\n"
      "c = x#y\n"
      "d = x;y\n"
      "e = email ~ ^[^#]+$\n"
      "f = # only a comment\n"
      "g=#h\n",
      &diag);
  EXPECT_TRUE(diag.empty());
  ASSERT_EQ(ini.sections.size(), 1u);
  EXPECT_EQ(ini.sections[0].name, "x");
  const auto& e = ini.sections[0].entries;
  ASSERT_EQ(e.size(), 7u);
  EXPECT_EQ(e[0].value, "one");
  EXPECT_EQ(e[1].value, "two");
  EXPECT_EQ(e[2].value, "x#y");
  EXPECT_EQ(e[3].value, "x;y");
  EXPECT_EQ(e[4].value, "email ~ ^[^#]+$");
  EXPECT_EQ(e[5].value, "");
  EXPECT_EQ(e[6].value, "#h");
}

TEST(IniTest, ValueKeepsEqualsSignsAndQuotes) {
  Diagnostics diag("f.ini");
  IniFile ini = ParseIni("[r a]\nrequire = \"https://x/roles\" = a=b\n", &diag);
  ASSERT_EQ(ini.sections.size(), 1u);
  EXPECT_EQ(ini.sections[0].entries[0].key, "require");
  EXPECT_EQ(ini.sections[0].entries[0].value, "\"https://x/roles\" = a=b");
}

TEST(IniTest, CrLfAndBom) {
  Diagnostics diag("f.ini");
  IniFile ini = ParseIni("\xEF\xBB\xBF[gateway]\r\nlisten = a\r\n", &diag);
  EXPECT_TRUE(diag.empty());
  ASSERT_EQ(ini.sections.size(), 1u);
  EXPECT_EQ(ini.sections[0].type, "gateway");
  EXPECT_EQ(ini.sections[0].entries[0].value, "a");
  EXPECT_EQ(ini.sections[0].entries[0].line, 2);
}

TEST(IniTest, SyntaxErrorsAreAllReportedWithLines) {
  Diagnostics diag("f.ini");
  IniFile ini = ParseIni(
      "stray = 1\n"           // 1: before any section
      "[gateway]\n"           // 2
      "listen 127.0.0.1:1\n"  // 3: no '='
      "[route\n"              // 4: bad header
      "[a b c]\n"             // 5: three words
      "bad key = 1\n"         // 6: blank inside the name
      "= 2\n"                 // 7: no name
      "[route ok]\n"          // 8
      "x = 1\n",              // 9
      &diag);
  const std::vector<std::string> lines = diag.Lines();
  ASSERT_EQ(lines.size(), 6u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0].rfind("f.ini:1: 'stray' is outside any section", 0), 0u);
  EXPECT_EQ(lines[1].rfind("f.ini:3: expected 'name = value'", 0), 0u);
  EXPECT_EQ(lines[2].rfind("f.ini:4: bad section header", 0), 0u);
  EXPECT_EQ(lines[3].rfind("f.ini:5: bad section header", 0), 0u);
  EXPECT_EQ(lines[4].rfind("f.ini:6: expected 'name = value'", 0), 0u);
  EXPECT_EQ(lines[5].rfind("f.ini:7: expected 'name = value'", 0), 0u);
  // Reading went on after the errors.
  ASSERT_EQ(ini.sections.back().name, "ok");
  EXPECT_EQ(ini.sections.back().entries[0].line, 9);
}

TEST(DiagnosticsTest, SortedByLineAndJoined) {
  Diagnostics diag("/etc/x.ini");
  diag.Add(7, "seven");
  diag.Add(2, "two");
  diag.Add(7, "seven again");
  diag.Add(0, "whole file");
  EXPECT_EQ(diag.ToStatus().message(),
            "/etc/x.ini: whole file\n/etc/x.ini:2: two\n/etc/x.ini:7: seven\n"
            "/etc/x.ini:7: seven again");
  EXPECT_TRUE(Diagnostics("y").ToStatus().ok());
}

}  // namespace
}  // namespace jwtgate::config
