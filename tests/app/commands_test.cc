// The command functions in-process: --check output, --version, and how
// mint turns --claim values into JSON.
#include "app/commands.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtgate/common/base64url.h"
#include "tests/config/config_test_util.h"

namespace jwtgate::app {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kSecretVar[] = "JWTGATE_APP_TEST_SECRET";
constexpr char kSecret[] = "commands-test-secret-0123456789-0123456789";

std::string Payload(const std::string& token_line) {
  std::vector<std::string> parts =
      absl::StrSplit(token_line.substr(0, token_line.find('\n')), '.');
  EXPECT_EQ(parts.size(), 3u);
  if (parts.size() != 3) return "";
  std::string out(Base64UrlDecodedMaxSize(parts[1].size()), '\0');
  const ptrdiff_t n = Base64UrlDecode(
      parts[1], reinterpret_cast<uint8_t*>(out.data()), out.size());
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

TEST(CommandsTest, CheckPrintsOkOrEveryProblem) {
  testing_config::ScratchDir dir;
  const std::string good = dir.Write(
      "good.ini",
      "[gateway]\nlisten = 127.0.0.1:8080\n[upstream u]\nserver = "
      "127.0.0.1:9000\n[route r]\npath_prefix = /\nupstream = u\nauth = "
      "off\n");
  std::ostringstream out, err;
  EXPECT_EQ(RunCheck(good, out, err), kExitOk);
  EXPECT_EQ(out.str(), "ok\n");
  EXPECT_EQ(err.str(), "");

  const std::string bad = dir.Write(
      "bad.ini",
      "[gateway]\nlisten = 127.0.0.1:8080\nshards = many\n[upstream u]\n"
      "server = 127.0.0.1:9000\n[route r]\npath_prefix = /\nupstream = v\n"
      "auth = off\n");
  std::ostringstream out2, err2;
  EXPECT_EQ(RunCheck(bad, out2, err2), kExitFailure);
  EXPECT_EQ(out2.str(), "");
  EXPECT_EQ(err2.str(),
            bad + ":3: shards: expected auto or a number 1-1024, got 'many'\n" +
                bad +
                ":8: upstream: 'v' is not defined (no [upstream v] "
                "section)\n");
}

TEST(CommandsTest, VersionNamesEveryLibrary) {
  std::ostringstream out;
  EXPECT_EQ(RunVersion(out), kExitOk);
  for (const char* name :
       {"jwtgate ", "\nOpenSSL ", "\nliburing ", "\nllhttp ", "\nsimdjson "}) {
    EXPECT_THAT(out.str(), HasSubstr(name));
  }
}

TEST(CommandsTest, MintClaimValuesAreJsonOrStrings) {
  setenv(kSecretVar, kSecret, 1);
  std::ostringstream out, err;
  const std::vector<std::string_view> args = {
      "--secret-env", kSecretVar,       "--claim", "num=42",
      "--claim",      "flag=true",      "--claim", "obj={\"a\":[1,2]}",
      "--claim",      "word=hello",     "--claim", "json_string=\"quoted\"",
      "--claim",      "not_json={oops", "--claim", "ctl=a\"b\\c\td",
      "--claim",      "empty=",         "--claim", "eq=a=b"};
  ASSERT_EQ(RunMint(args, 1'700'000'000, out, err), kExitOk) << err.str();
  const std::string payload = Payload(out.str());
  EXPECT_EQ(payload,
            "{\"iat\":1700000000,\"exp\":1700003600,\"num\":42,\"flag\":true,"
            "\"obj\":{\"a\":[1,2]},\"word\":\"hello\",\"json_string\":"
            "\"quoted\",\"not_json\":\"{oops\",\"ctl\":\"a\\\"b\\\\c\\td\","
            "\"empty\":\"\",\"eq\":\"a=b\"}");
  unsetenv(kSecretVar);
}

TEST(CommandsTest, MintHelpAndUsage) {
  std::ostringstream out, err;
  EXPECT_EQ(RunMint({"--help"}, 0, out, err), kExitOk);
  EXPECT_THAT(out.str(), StartsWith("usage:"));
  std::ostringstream out2, err2;
  EXPECT_EQ(RunMint({"--sub"}, 0, out2, err2), kExitUsage);
  EXPECT_THAT(err2.str(), StartsWith("jwtgate mint: unknown or incomplete "
                                     "option '--sub'"));
  EXPECT_EQ(out2.str(), "");
}

}  // namespace
}  // namespace jwtgate::app
