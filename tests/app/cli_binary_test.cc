// The real jwtgate binary: --check, --help, --version, usage errors, and
// `mint` tokens that jwt::Verifier accepts.
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtgate/common/base64url.h"
#include "jwtgate/jwt/key.h"
#include "jwtgate/jwt/verifier.h"
#include "tests/app/run_process.h"
#include "tests/config/config_test_util.h"
#include "tests/testing/test_keys.h"

namespace jwtgate {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;
using testing_app::ProcessResult;
using testing_app::RunProcess;

constexpr char kExample[] = JWTGATE_SOURCE_DIR "/config/jwtgate.ini";
constexpr char kTenMistakes[] =
    JWTGATE_SOURCE_DIR "/tests/config/testdata/ten_mistakes.ini";
const std::string kSecret =
    "a-test-secret-of-at-least-thirty-two-bytes-0123456789";

ProcessResult Jwtgate(const std::vector<std::string>& args,
                      std::vector<std::string> env = {}) {
  env.push_back("PATH=/usr/bin:/bin");
  return RunProcess(JWTGATE_BINARY, args, env);
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST(CliBinaryTest, CheckExampleIsOk) {
  ProcessResult r =
      Jwtgate({"--check", "--config", kExample}, {"JWT_SECRET=" + kSecret});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok\n");
  EXPECT_EQ(r.err, "");
  // --config=FILE and either order work too.
  r = Jwtgate({std::string("--config=") + kExample, "--check"},
              {"JWT_SECRET=" + kSecret});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(CliBinaryTest, CheckExampleWithoutItsSecret) {
  ProcessResult r = Jwtgate({"--check", "--config", kExample});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  std::vector<std::string> lines = Lines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_THAT(lines[0], MatchesRegex(std::string(kExample) +
                                     ":[0-9]+: secret_env: environment "
                                     "variable JWT_SECRET is not set"));
}

TEST(CliBinaryTest, TenMistakesGiveTenLines) {
  // The lines marked MISTAKE (after the header comment) are the expected
  // FILE:LINE positions, in order.
  std::ifstream in(kTenMistakes);
  std::vector<int> marked;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find("  # MISTAKE") != std::string::npos && line[0] != '#') {
      marked.push_back(n);
    }
  }
  ASSERT_EQ(marked.size(), 10u);
  const std::vector<std::string> messages = {
      "listen: port 99999 out of range 1-65535",
      "shards: expected auto or a number 1-1024, got '-1'",
      "log_level: expected error, warn, info or debug, got 'verbose'",
      "alg: unknown algorithm 'HS257'",
      "server: '127.0.0.1': expected host:port (the port is required)",
      "auth: expected required or off, got 'none'",
      "upstream: 'apii' is not defined (no [upstream apii] section)",
      "leeway: expected a duration like 250ms, 10s, 5m or 1h, got '3 "
      "parsecs'",
      "require: ",
      "unknown key 'strip_authorisation' in [route api] (did you mean "
      "'strip_authorization'?)",
  };

  ProcessResult r =
      Jwtgate({"--check", "--config", kTenMistakes}, {"JWT_SECRET=" + kSecret});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  std::vector<std::string> lines = Lines(r.err);
  ASSERT_EQ(lines.size(), 10u) << r.err;
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_THAT(lines[i],
                StartsWith(std::string(kTenMistakes) + ":" +
                           std::to_string(marked[i]) + ": " + messages[i]));
  }
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr(kSecret)));
}

TEST(CliBinaryTest, UnknownFlagIsAUsageError) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"--bogus"}, {"--check", "-x"}, {"--config"}, {"extra"}}) {
    ProcessResult r = Jwtgate(args);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_EQ(r.out, "");
    EXPECT_THAT(r.err, StartsWith("jwtgate: "));
    EXPECT_THAT(r.err, HasSubstr("usage:"));
  }
  EXPECT_THAT(Jwtgate({"--bogus"}).err,
              HasSubstr("unknown argument '--bogus'"));
}

TEST(CliBinaryTest, Help) {
  ProcessResult r = Jwtgate({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("jwtgate --check [--config FILE]"));
  EXPECT_THAT(r.out, HasSubstr("--claim NAME=VALUE"));
  EXPECT_EQ(r.err, "");
}

TEST(CliBinaryTest, Version) {
  ProcessResult r = Jwtgate({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;
  EXPECT_THAT(lines[0], MatchesRegex("jwtgate [0-9]+\\.[0-9]+\\.[0-9]+"));
  EXPECT_THAT(lines[1],
              MatchesRegex("OpenSSL 3\\.[0-9.]+ \\(running 3\\.[0-9.]+\\)"));
  EXPECT_THAT(lines[2], MatchesRegex("liburing 2\\.[0-9]+"));
  EXPECT_THAT(lines[3], MatchesRegex("llhttp [0-9]+\\.[0-9]+\\.[0-9]+"));
  EXPECT_THAT(lines[4], MatchesRegex("simdjson [0-9]+\\.[0-9]+\\.[0-9]+"));
}

// Verifies `token` against `key` with a policy asking for the given
// issuer/audience; returns the result and the subject.
jwt::VerifyOutcome VerifyWith(const std::string& token, jwt::KeyPtr key,
                              int64_t now, std::string issuer = "",
                              std::string audience = "") {
  static jwt::Verifier verifier(0);
  jwt::Policy policy;
  policy.keys = {std::move(key)};
  if (!issuer.empty()) policy.issuers = {issuer};
  if (!audience.empty()) policy.audiences = {audience};
  return verifier.Verify(token, policy, now);
}

std::string PayloadOf(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  EXPECT_EQ(parts.size(), 3u);
  if (parts.size() != 3) return "";
  std::string out(Base64UrlDecodedMaxSize(parts[1].size()), '\0');
  ptrdiff_t n = Base64UrlDecode(
      parts[1], reinterpret_cast<uint8_t*>(out.data()), out.size());
  EXPECT_GE(n, 0);
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

TEST(CliBinaryTest, MintHs256FromEnvVerifies) {
  const int64_t before = time(nullptr);
  ProcessResult r =
      Jwtgate({"mint", "--secret-env", "MY_SECRET", "--sub", "user-1", "--iss",
               "https://issuer.example/", "--aud", "api", "--ttl", "90s",
               "--claim", "role=admin", "--claim", "n=42", "--claim",
               "tags=[\"a\",\"b\"]", "--claim", "quoted=\"x y\""},
              {"MY_SECRET=" + kSecret});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out.back(), '\n');
  const std::string token = r.out.substr(0, r.out.size() - 1);
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.err + r.out, ::testing::Not(HasSubstr(kSecret)));

  auto key = jwt::MakeHmacKey("k", jwt::Alg::kHS256, kSecret);
  ASSERT_TRUE(key.ok());
  jwt::VerifyOutcome ok =
      VerifyWith(token, *key, before, "https://issuer.example/", "api");
  EXPECT_EQ(ok.result, jwt::AuthResult::kOk);
  EXPECT_EQ(ok.sub, "user-1");
  EXPECT_EQ(VerifyWith(token, *key, before + 200).result,
            jwt::AuthResult::kExpired);
  auto wrong = jwt::MakeHmacKey("k", jwt::Alg::kHS256, kSecret + "x");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(VerifyWith(token, *wrong, before).result,
            jwt::AuthResult::kBadSignature);

  const std::string payload = PayloadOf(token);
  EXPECT_THAT(payload, HasSubstr("\"role\":\"admin\""));
  EXPECT_THAT(payload, HasSubstr("\"n\":42"));
  EXPECT_THAT(payload, HasSubstr("\"tags\":[\"a\",\"b\"]"));
  EXPECT_THAT(payload, HasSubstr("\"quoted\":\"x y\""));
  EXPECT_THAT(payload, HasSubstr("\"aud\":\"api\""));
}

TEST(CliBinaryTest, MintSecretFileMatchesConfigSecretFile) {
  testing_config::ScratchDir dir;
  const std::string file = dir.Write("secret", kSecret + "\n");
  ProcessResult r = Jwtgate({"mint", "--secret-file", file, "--alg", "HS384",
                             "--aud", "a", "--aud", "b"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string token = r.out.substr(0, r.out.size() - 1);
  jwt::KeySpec spec;
  spec.name = "k";
  spec.source = jwt::KeySpec::Source::kSecretFile;
  spec.source_value = file;
  spec.alg = jwt::Alg::kHS384;
  auto keys = jwt::LoadKeys(spec);
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  EXPECT_EQ(VerifyWith(token, (*keys)[0], time(nullptr), "", "b").result,
            jwt::AuthResult::kOk);
  EXPECT_THAT(PayloadOf(token), HasSubstr("\"aud\":[\"a\",\"b\"]"));
}

TEST(CliBinaryTest, MintAsymmetricAlgsVerify) {
  testing_config::ScratchDir dir;
  for (jwt::Alg alg : {jwt::Alg::kRS256, jwt::Alg::kPS384, jwt::Alg::kES256,
                       jwt::Alg::kES512, jwt::Alg::kEdDSA}) {
    const std::string name(jwt::AlgName(alg));
    SCOPED_TRACE(name);
    const testing::TestKeyPair& pair = testing::KeyPairFor(alg);
    const std::string pem = dir.Write(name + ".pem", pair.private_pem);
    ProcessResult r = Jwtgate({"mint", "--alg", name, "--private-key", pem,
                               "--kid", "kid-1", "--sub", "s"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string token = r.out.substr(0, r.out.size() - 1);
    auto key = jwt::MakePemPublicKey("k", alg, pair.public_pem, "kid-1");
    ASSERT_TRUE(key.ok()) << key.status().message();
    EXPECT_EQ(VerifyWith(token, *key, time(nullptr)).result,
              jwt::AuthResult::kOk);
    auto other = jwt::MakePemPublicKey(
        "k", alg, testing::OtherKeyPairFor(alg).public_pem, "kid-1");
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(VerifyWith(token, *other, time(nullptr)).result,
              jwt::AuthResult::kBadSignature);
  }
}

TEST(CliBinaryTest, MintUsageAndFailures) {
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* message;
  };
  const std::vector<Case> cases = {
      {{"mint", "--bogus", "x"}, 2, "unknown option '--bogus'"},
      {{"mint", "--alg", "none", "--secret-env", "S"}, 2, "unknown --alg"},
      {{"mint"}, 2, "HS256 needs exactly one of --secret-env, --secret-file"},
      {{"mint", "--alg", "RS256", "--secret-env", "S"},
       2,
       "RS256 needs --private-key"},
      {{"mint", "--secret-env", "S", "--ttl", "soon"}, 2, "--ttl"},
      {{"mint", "--secret-env", "S", "--claim", "exp=1"},
       2,
       "--claim exp is set by --ttl"},
      {{"mint", "--secret-env", "S", "--claim", "novalue"},
       2,
       "--claim needs NAME=VALUE"},
      {{"mint", "--secret-env", "UNSET_VAR"},
       1,
       "environment variable UNSET_VAR is not set"},
      {{"mint", "--secret-file", "/nonexistent/secret"},
       1,
       "cannot read --secret-file /nonexistent/secret"},
      {{"mint", "--secret-env", "S", "--secret-encoding", "base64"},
       1,
       "the secret is not valid base64"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args.size() > 1 ? c.args[1] : c.args[0]);
    ProcessResult r = Jwtgate(c.args, {"S=" + kSecret + "!"});
    EXPECT_EQ(r.exit_code, c.code) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_THAT(r.err, HasSubstr(c.message));
    EXPECT_THAT(r.err, ::testing::Not(HasSubstr(kSecret)));
  }
}

}  // namespace
}  // namespace jwtgate
