// One test per class of config error: each asserts the exact FILE:LINE and
// message, and that a later, different mistake is still reported.
#include <stdlib.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/config/config_test_util.h"

namespace jwtgate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing_config::LoadProblems;
using testing_config::ScratchDir;

constexpr char kSecretVar[] = "JWTGATE_CFG_TEST_SECRET";
constexpr char kSecretValue[] =
    "s3cr3t-value-never-printed-0123456789-abcdefghijklmnopqrstuvwxyz";

// Lines 1-10 of every test config; a test appends its mistake at line 11.
constexpr char kBase[] =
    "[gateway]\n"                             // 1
    "listen = 127.0.0.1:8080\n"               // 2
    "[key k]\n"                               // 3
    "alg = HS256\n"                           // 4
    "secret_env = JWTGATE_CFG_TEST_SECRET\n"  // 5
    "[upstream u]\n"                          // 6
    "server = 127.0.0.1:9000\n"               // 7
    "[route r]\n"                             // 8
    "path_prefix = /\n"                       // 9
    "upstream = u\n";                         // 10

// A later mistake appended after a test's own lines: its line is
// `first_line + 3`.
std::string Late(int first_line, std::vector<std::string>* want) {
  want->push_back("t.ini:" + std::to_string(first_line + 3) +
                  ": leeway: expected a duration like 250ms, 10s, 5m or 1h, "
                  "got '3 parsecs'");
  return "[route late]\npath_prefix = /late/\nupstream = u\n"
         "leeway = 3 parsecs\n";
}

class ConfigErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv(kSecretVar, kSecretValue, 1); }
  void TearDown() override { unsetenv(kSecretVar); }

  // Appends `extra` (starting at line 11) and the late mistake; expects
  // exactly `want` then the late line.
  void Expect(const std::string& extra, std::vector<std::string> want) {
    int lines = 11;
    for (char c : extra) lines += c == '\n';
    std::string late = Late(lines, &want);
    std::vector<std::string> got =
        LoadProblems(dir_, std::string(kBase) + extra + late);
    EXPECT_EQ(got, want);
    for (const std::string& line : got) {
      EXPECT_THAT(line, ::testing::Not(HasSubstr(kSecretValue)));
    }
  }

  ScratchDir dir_;
};

TEST_F(ConfigErrorsTest, BaseConfigLoads) {
  EXPECT_TRUE(LoadProblems(dir_, kBase).empty());
}

TEST_F(ConfigErrorsTest, UnknownSection) {
  Expect("[rout x]\nfoo = 1\n",
         {"t.ini:11: unknown section [rout] (expected gateway, key NAME, "
          "upstream NAME or route NAME; did you mean [route]?)"});
}

TEST_F(ConfigErrorsTest, MisspelledSectionIsReportedOnce) {
  // The route's reference to u2 is not reported again.
  Expect(
      "[upstrem u2]\nserver = 127.0.0.1:9001\n"
      "[route r2]\npath_prefix = /x/\nupstream = u2\n",
      {"t.ini:11: unknown section [upstrem] (expected gateway, key NAME, "
       "upstream NAME or route NAME; did you mean [upstream]?)"});
  // Nor is the missing [gateway].
  EXPECT_THAT(LoadProblems(dir_,
                           "[gatway]\nlisten = 127.0.0.1:1\n"
                           "[upstream u]\nserver = 127.0.0.1:2\n"
                           "[route r]\npath_prefix = /\nupstream = u\n"
                           "auth = off\n"),
              ElementsAre("t.ini:1: unknown section [gatway] (expected "
                          "gateway, key NAME, upstream NAME or route NAME; "
                          "did you mean [gateway]?)"));
}

TEST_F(ConfigErrorsTest, UnknownKey) {
  Expect("[route r2]\npath_prefix = /x/\nupstream = u\nleway = 30s\n",
         {"t.ini:14: unknown key 'leway' in [route r2] (did you mean "
          "'leeway'?)"});
}

TEST_F(ConfigErrorsTest, BadValues) {
  Expect(
      "[gateway]\n"
      "listen = 127.0.0.1:99999\n"
      "shards = -1\n"
      "max_header_bytes = 16 kb\n"
      "[route r2]\n"
      "path_prefix = /x/\n"
      "upstream = u\n"
      "auth = maybe\n"
      "strip_authorization = yes please\n",
      {"t.ini:11: duplicate section [gateway] (first at line 1)",
       "t.ini:12: listen: port 99999 out of range 1-65535",
       "t.ini:13: shards: expected auto or a number 1-1024, got '-1'",
       "t.ini:14: max_header_bytes: expected a size like 512, 16k or 1m, got "
       "'16 kb'",
       "t.ini:18: auth: expected required or off, got 'maybe'",
       "t.ini:19: strip_authorization: expected true or false, got 'yes "
       "please'"});
}

TEST_F(ConfigErrorsTest, MissingRequiredKeys) {
  Expect(
      "[route noup]\n"
      "path_prefix = /a/\n"
      "[upstream empty]\n"
      "keepalive = 4\n"
      "[key nosource]\n"
      "alg = HS256\n"
      "[route noprefix]\n"
      "upstream = u\n",
      {"t.ini:11: [route noup] needs upstream = NAME of an [upstream NAME] "
       "section",
       "t.ini:13: [upstream empty] needs at least one server = HOST:PORT",
       "t.ini:15: [key nosource] has no source: set one of secret_env, "
       "secret_file, secret_credential, public_key_file, jwks_file, "
       "jwks_url, oidc_issuer",
       "t.ini:17: [route noprefix] needs path_prefix (e.g. / or /api/)"});
}

TEST_F(ConfigErrorsTest, KeyWithoutAlg) {
  Expect("[key noalg]\nsecret_env = JWTGATE_CFG_TEST_SECRET\n",
         {"t.ini:11: [key noalg] needs alg = HS256, HS384 or HS512"});
}

TEST_F(ConfigErrorsTest, AlgMustFitTheSource) {
  Expect(
      "[key p]\nalg = HS256\npublic_key_file = p.pem\n"
      "[key s]\nalg = RS256\nsecret_env = JWTGATE_CFG_TEST_SECRET\n"
      "[key j]\nalg = ES256\njwks_file = j.json\n"
      "[key x]\nalg = none\nsecret_env = JWTGATE_CFG_TEST_SECRET\n",
      {"t.ini:12: alg: HS256 needs a secret (secret_env, secret_file or "
       "secret_credential), not public_key_file",
       "t.ini:15: alg: RS256 needs a public key; a secret supports only "
       "HS256, HS384 or HS512",
       "t.ini:18: alg: does not apply to jwks_file (each JWK names its own "
       "alg)",
       "t.ini:21: alg: unknown algorithm 'none' (HS256/384/512, "
       "RS256/384/512, PS256/384/512, ES256/384/512, EdDSA)"});
}

TEST_F(ConfigErrorsTest, UndefinedReferences) {
  Expect(
      "[route r2]\n"
      "path_prefix = /x/\n"
      "upstream = nope\n"
      "keys = k, missing\n",
      {"t.ini:13: upstream: 'nope' is not defined (no [upstream nope] "
       "section)",
       "t.ini:14: keys: 'missing' is not defined (no [key missing] section)"});
}

TEST_F(ConfigErrorsTest, DuplicateSectionName) {
  Expect("[upstream u]\nserver = 127.0.0.1:9001\n",
         {"t.ini:11: duplicate section [upstream u] (first at line 6)"});
}

TEST_F(ConfigErrorsTest, SameHostAndPathPrefix) {
  Expect(
      "[route r2]\n"
      "path_prefix = /\n"
      "upstream = u\n"
      "[route h1]\n"
      "host = API.example.com\n"
      "path_prefix = /v1/\n"
      "upstream = u\n"
      "[route h2]\n"
      "host = api.example.com\n"
      "path_prefix = /v1/\n"
      "upstream = u\n",
      {"t.ini:12: route 'r2' has the same path_prefix as route 'r' (line 8)",
       "t.ini:20: route 'h2' has the same host and path_prefix as route 'h1' "
       "(line 14)"});
}

TEST_F(ConfigErrorsTest, KeyWithTwoSources) {
  Expect(
      "[key two]\n"
      "alg = HS256\n"
      "secret_env = JWTGATE_CFG_TEST_SECRET\n"
      "secret_file = /etc/secret\n",
      {"t.ini:14: secret_file: [key two] already has a source (secret_env at "
       "line 13); keep one"});
}

TEST_F(ConfigErrorsTest, KeyWithTwoSourcesNamesTheLaterLine) {
  Expect(
      "[key two]\n"
      "alg = HS256\n"
      "secret_file = /etc/secret\n"
      "secret_env = JWTGATE_CFG_TEST_SECRET\n",
      {"t.ini:14: secret_env: [key two] already has a source (secret_file at "
       "line 13); keep one"});
}

TEST_F(ConfigErrorsTest, UnsetEnvironmentVariable) {
  unsetenv("JWTGATE_CFG_TEST_UNSET");
  Expect("[key e]\nalg = HS384\nsecret_env = JWTGATE_CFG_TEST_UNSET\n",
         {"t.ini:13: secret_env: environment variable JWTGATE_CFG_TEST_UNSET "
          "is not set"});
}

TEST_F(ConfigErrorsTest, SecretPastedAsVariableNameIsNotEchoed) {
  Expect(
      std::string("[key e]\nalg = HS256\nsecret_env = ") + kSecretValue + "\n",
      {"t.ini:13: secret_env: not an environment variable name (letters, "
       "digits, _)"});
}

TEST_F(ConfigErrorsTest, UnreadableKeyFileIsNamed) {
  const std::string missing = dir_.path() + "/missing.pem";
  std::vector<std::string> got = LoadProblems(
      dir_, std::string(kBase) + "[key pem]\nalg = RS256\npublic_key_file = " +
                missing + "\n" + "[route late]\nleeway = 3 parsecs\n");
  ASSERT_EQ(got.size(), 4u) << ::testing::PrintToString(got);
  EXPECT_THAT(got[0], StartsWith("t.ini:13: "));
  EXPECT_THAT(got[0], HasSubstr(missing));
  EXPECT_THAT(got[1], StartsWith("t.ini:14: [route late] needs path_prefix"));
  EXPECT_THAT(got[2], StartsWith("t.ini:14: [route late] needs upstream"));
  EXPECT_THAT(got[3], StartsWith("t.ini:15: leeway: "));
}

TEST_F(ConfigErrorsTest, MalformedKeyFilesAreNamed) {
  const std::string jwks = dir_.Write("bad.json", "{\"keys\": [ {\"kty\": ");
  const std::string pem = dir_.Write("bad.pem",
                                     "-----BEGIN PUBLIC KEY-----\n"
                                     "bm90IGEga2V5\n"
                                     "-----END PUBLIC KEY-----\n");
  const std::string secret = dir_.Write("secret.txt", "not base64 !!!\n");
  std::vector<std::string> got = LoadProblems(
      dir_, std::string(kBase) +
                "[key jwks]\njwks_file = bad.json\n"                   // 11-12
                "[key pem]\nalg = ES256\npublic_key_file = bad.pem\n"  // 13-15
                "[key sec]\nalg = HS256\nsecret_file = secret.txt\n"   // 16-18
                "secret_encoding = base64\n");                         // 19
  ASSERT_EQ(got.size(), 3u) << ::testing::PrintToString(got);
  EXPECT_THAT(got[0], StartsWith("t.ini:12: "));
  EXPECT_THAT(got[0], HasSubstr(jwks));
  EXPECT_THAT(got[1], StartsWith("t.ini:15: "));
  EXPECT_THAT(got[1], HasSubstr(pem));
  EXPECT_THAT(got[2], StartsWith("t.ini:18: "));
  EXPECT_THAT(got[2], HasSubstr("sec"));
  EXPECT_THAT(got[2], ::testing::Not(HasSubstr("not base64")));
}

TEST_F(ConfigErrorsTest, BadRequireRules) {
  std::vector<std::string> got = LoadProblems(
      dir_, std::string(kBase) +
                "require = scope contains read\n"  // 11: fine
                "require = email ~ (unclosed\n"    // 12: RE2 refuses
                "require = scope frobnicates x\n"  // 13: no operator
                "leeway = 3 parsecs\n");           // 14
  ASSERT_EQ(got.size(), 3u) << ::testing::PrintToString(got);
  EXPECT_THAT(got[0], StartsWith("t.ini:12: require: "));
  EXPECT_THAT(got[1], StartsWith("t.ini:13: require: "));
  EXPECT_EQ(got[2],
            "t.ini:14: leeway: expected a duration like 250ms, 10s, 5m or 1h, "
            "got '3 parsecs'");
}

TEST_F(ConfigErrorsTest, BadClaimHeaders) {
  std::vector<std::string> got =
      LoadProblems(dir_, std::string(kBase) +
                             "claim_header = email X-Auth-Email\n"  // 11: fine
                             "claim_header = \"unterminated X-Foo\n"   // 12
                             "claim_header = email\n"                  // 13
                             "claim_header = sub X-Auth-UserId\n"      // 14
                             "claim_header = name Bad(Header)\n"       // 15
                             "claim_header = org.name x-auth-email\n"  // 16
                             "leeway = 3 parsecs\n");                  // 17
  ASSERT_EQ(got.size(), 6u) << ::testing::PrintToString(got);
  EXPECT_THAT(got[0], StartsWith("t.ini:12: claim_header: "));
  EXPECT_EQ(got[1],
            "t.ini:13: claim_header: expected CLAIM HEADER-NAME, e.g. email "
            "X-Auth-Email");
  EXPECT_EQ(got[2],
            "t.ini:14: claim_header: X-Auth-UserId cannot carry a claim (it "
            "is set by the gateway or is hop-by-hop)");
  EXPECT_EQ(got[3],
            "t.ini:15: claim_header: 'Bad(Header)' is not a header name");
  EXPECT_EQ(got[4],
            "t.ini:16: claim_header: x-auth-email is already used in [route "
            "r]");
  EXPECT_THAT(got[5], StartsWith("t.ini:17: leeway: "));
}

TEST_F(ConfigErrorsTest, NoRouteAndNoListen) {
  std::vector<std::string> got =
      LoadProblems(dir_,
                   "[gateway]\nshards = 2\n[upstream u]\nserver = "
                   "127.0.0.1:1\nkeepalive = lots\n");
  EXPECT_THAT(got,
              ElementsAre("t.ini:1: [gateway] needs at least one listen = "
                          "HOST:PORT",
                          "t.ini:1: no [route NAME] section: at least one "
                          "route is needed",
                          "t.ini:5: keepalive: expected a whole number, got "
                          "'lots'"));
  EXPECT_THAT(LoadProblems(dir_, "# empty\n"),
              ElementsAre("t.ini:1: no [gateway] section: at least one "
                          "listen = HOST:PORT is needed",
                          "t.ini:1: no [route NAME] section: at least one "
                          "route is needed"));
}

TEST_F(ConfigErrorsTest, RepeatedSingleKeyAndEmptyValue) {
  Expect(
      "[route r2]\npath_prefix = /x/\nupstream = u\nupstream = u\n"
      "host =\n",
      {"t.ini:14: upstream is set twice in [route r2] (first at line 13); "
       "only list keys may repeat",
       "t.ini:15: host: empty value (remove the line to use the default)"});
}

TEST_F(ConfigErrorsTest, PathPrefixMustBeNormalised) {
  Expect(
      "[route r2]\npath_prefix = /a//b/\nupstream = u\n"
      "[route r3]\npath_prefix = api/\nupstream = u\n",
      {"t.ini:12: path_prefix: '/a//b/' is not a normalised path (requests "
       "are matched after resolving . and .., merging // and refusing "
       "%2F, %5C, %00, '?')",
       "t.ini:15: path_prefix: 'api/' must start with '/'"});
}

TEST_F(ConfigErrorsTest, UnreadableConfigFile) {
  absl::StatusOr<SnapshotPtr> s = Snapshot::Load(dir_.path() + "/none.ini");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            dir_.path() +
                "/none.ini: cannot open the config file: No such file or "
                "directory");
}

}  // namespace
}  // namespace jwtgate
