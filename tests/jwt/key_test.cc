// Key builders and LoadKeys: secrets (env/file/credential, encodings), PEM
// public keys, alg/key-type binding, and that errors never carry secrets.
#include "jwtgate/jwt/key.h"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtgate/common/base64url.h"
#include "jwtgate/jwt/mint.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_keys.h"

namespace jwtgate::jwt {
namespace {

using ::jwtgate::testing::IsOk;
using ::jwtgate::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "s3cr3t-value-that-must-never-be-logged-0123456";
static_assert(sizeof(kSecret) - 1 >= 32);

// A temporary directory removed with its files at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/jwtgate_key_test_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    for (const std::string& f : files_) unlink(f.c_str());
    rmdir(path_.c_str());
  }
  std::string Write(const std::string& name, const std::string& content) {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    files_.push_back(p);
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

KeySpec SecretSpec(KeySpec::Source source, std::string value,
                   KeySpec::Encoding enc = KeySpec::Encoding::kRaw) {
  KeySpec s;
  s.name = "auth0";
  s.source = source;
  s.source_value = std::move(value);
  s.encoding = enc;
  s.alg = Alg::kHS256;
  return s;
}

// True when `key` holds exactly `secret`: it accepts an HS256 signature
// made with `secret` by jwt::SignRaw.
bool HoldsSecret(const KeyPtr& key, const std::string& secret) {
  auto token = SignRaw(Alg::kHS256, "{\"alg\":\"HS256\"}", "{}", secret);
  if (!token.ok()) return false;
  const size_t dot = token->rfind('.');
  const std::string b64 = token->substr(dot + 1);
  std::string sig(Base64UrlDecodedMaxSize(b64.size()), '\0');
  const ptrdiff_t n =
      Base64UrlDecode(b64, reinterpret_cast<uint8_t*>(sig.data()), sig.size());
  if (n < 0) return false;
  sig.resize(static_cast<size_t>(n));
  return key->Verify(Alg::kHS256, token->substr(0, dot), sig);
}

TEST(HmacKeyTest, RejectsEmptyAndShortSecrets) {
  EXPECT_THAT(MakeHmacKey("k", Alg::kHS256, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(
      MakeHmacKey("k", Alg::kHS256, std::string(31, 'a')),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least 32")));
  EXPECT_THAT(MakeHmacKey("k", Alg::kHS256, std::string(32, 'a')), IsOk());
  EXPECT_THAT(MakeHmacKey("k", Alg::kHS384, std::string(47, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeHmacKey("k", Alg::kHS512, std::string(63, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeHmacKey("k", Alg::kHS512, std::string(200, 'a')), IsOk());
}

TEST(HmacKeyTest, RejectsAsymmetricAlg) {
  EXPECT_THAT(MakeHmacKey("k", Alg::kRS256, std::string(64, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(HmacKeyTest, SupportsOnlyItsAlgAndCarriesKidAndUniqueId) {
  auto a = MakeHmacKey("a", Alg::kHS384, std::string(48, 'a'), "kid-1");
  auto b = MakeHmacKey("a", Alg::kHS384, std::string(48, 'a'), "kid-1");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_TRUE((*a)->Supports(Alg::kHS384));
  EXPECT_FALSE((*a)->Supports(Alg::kHS256));
  EXPECT_FALSE((*a)->Supports(Alg::kRS256));
  EXPECT_EQ((*a)->kid(), "kid-1");
  EXPECT_EQ((*a)->name(), "a");
  EXPECT_NE((*a)->id(), (*b)->id());
}

TEST(HmacKeyTest, LongSecretsAreHashedPerRfc2104) {
  // HMAC-SHA256 with a 131-byte key of 0xaa over the RFC 4231 test case 6
  // message; expected MAC from RFC 4231 §4.7.
  const std::string key(131, '\xaa');
  auto k = MakeHmacKey("k", Alg::kHS256, key);
  ASSERT_THAT(k, IsOk());
  const std::string msg =
      "Test Using Larger Than Block-Size Key - Hash Key First";
  const unsigned char mac[] = {0x60, 0xe4, 0x31, 0x59, 0x1e, 0xe0, 0xb6, 0x7f,
                               0x0d, 0x8a, 0x26, 0xaa, 0xcb, 0xf5, 0xb7, 0x7f,
                               0x8e, 0x0b, 0xc6, 0x21, 0x37, 0x28, 0xc5, 0x14,
                               0x05, 0x46, 0x04, 0x0f, 0x0e, 0xe3, 0x7f, 0x54};
  const std::string sig(reinterpret_cast<const char*>(mac), sizeof(mac));
  EXPECT_TRUE((*k)->Verify(Alg::kHS256, msg, sig));
  EXPECT_FALSE((*k)->Verify(Alg::kHS256, msg + " ", sig));
}

TEST(PemKeyTest, AlgMustMatchKeyType) {
  const std::string& rsa = testing::Rsa2048().public_pem;
  const std::string& p256 = testing::EcP256().public_pem;
  const std::string& p384 = testing::EcP384().public_pem;
  const std::string& ed = testing::Ed25519().public_pem;
  EXPECT_THAT(MakePemPublicKey("k", Alg::kRS256, rsa), IsOk());
  EXPECT_THAT(MakePemPublicKey("k", Alg::kPS512, rsa), IsOk());
  EXPECT_THAT(MakePemPublicKey("k", Alg::kES256, p256), IsOk());
  EXPECT_THAT(MakePemPublicKey("k", Alg::kEdDSA, ed), IsOk());
  EXPECT_THAT(MakePemPublicKey("k", Alg::kRS256, p256),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs an RSA key")));
  EXPECT_THAT(
      MakePemPublicKey("k", Alg::kES256, p384),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("prime256v1")));
  EXPECT_THAT(MakePemPublicKey("k", Alg::kES384, rsa),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      MakePemPublicKey("k", Alg::kEdDSA, p256),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Ed25519")));
  EXPECT_THAT(MakePemPublicKey("k", Alg::kHS256, rsa),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs a secret")));
}

TEST(PemKeyTest, KeySupportsOnlyTheConfiguredAlg) {
  auto k = MakePemPublicKey("k", Alg::kRS256, testing::Rsa2048().public_pem);
  ASSERT_THAT(k, IsOk());
  EXPECT_TRUE((*k)->Supports(Alg::kRS256));
  EXPECT_FALSE((*k)->Supports(Alg::kRS384));
  EXPECT_FALSE((*k)->Supports(Alg::kPS256));
  EXPECT_FALSE((*k)->Supports(Alg::kHS256));
}

TEST(PemKeyTest, RefusesPrivateKeysAndGarbage) {
  EXPECT_THAT(
      MakePemPublicKey("k", Alg::kRS256, testing::Rsa2048().private_pem),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("private key")));
  EXPECT_THAT(MakePemPublicKey("k", Alg::kRS256, "not a pem"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakePemPublicKey("k", Alg::kRS256, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(LoadKeysTest, SecretFromEnvironment) {
  setenv("JWTGATE_TEST_SECRET", kSecret, 1);
  auto keys =
      LoadKeys(SecretSpec(KeySpec::Source::kSecretEnv, "JWTGATE_TEST_SECRET"));
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0]->name(), "auth0");
  EXPECT_TRUE((*keys)[0]->Supports(Alg::kHS256));
  EXPECT_TRUE(HoldsSecret((*keys)[0], kSecret));
  EXPECT_FALSE(HoldsSecret((*keys)[0], std::string(kSecret) + "x"));
  unsetenv("JWTGATE_TEST_SECRET");
}

TEST(LoadKeysTest, MissingEnvironmentVariableIsNamed) {
  unsetenv("JWTGATE_TEST_UNSET");
  EXPECT_THAT(
      LoadKeys(SecretSpec(KeySpec::Source::kSecretEnv, "JWTGATE_TEST_UNSET")),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("JWTGATE_TEST_UNSET")));
}

TEST(LoadKeysTest, SecretFromFileStripsOneTrailingNewline) {
  TempDir dir;
  // 32 bytes of secret + "\n": must load (the newline is not secret); 31
  // bytes + "\n" must fail the length check, proving the newline was cut.
  const std::string ok = dir.Write("ok", std::string(32, 'k') + "\n");
  const std::string shortf = dir.Write("short", std::string(31, 'k') + "\n");
  auto loaded = LoadKeys(SecretSpec(KeySpec::Source::kSecretFile, ok));
  ASSERT_THAT(loaded, IsOk());
  EXPECT_TRUE(HoldsSecret((*loaded)[0], std::string(32, 'k')));
  EXPECT_THAT(
      LoadKeys(SecretSpec(KeySpec::Source::kSecretFile, shortf)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("31 bytes")));
  EXPECT_THAT(
      LoadKeys(SecretSpec(KeySpec::Source::kSecretFile, dir.path() + "/nope")),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nope")));
}

TEST(LoadKeysTest, SecretFromSystemdCredential) {
  TempDir dir;
  dir.Write("jwt", kSecret);
  setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  auto loaded = LoadKeys(SecretSpec(KeySpec::Source::kSecretCredential, "jwt"));
  ASSERT_THAT(loaded, IsOk());
  EXPECT_TRUE(HoldsSecret((*loaded)[0], kSecret));
  EXPECT_THAT(
      LoadKeys(SecretSpec(KeySpec::Source::kSecretCredential, "../jwt")),
      StatusIs(absl::StatusCode::kInvalidArgument));
  unsetenv("CREDENTIALS_DIRECTORY");
  EXPECT_THAT(LoadKeys(SecretSpec(KeySpec::Source::kSecretCredential, "jwt")),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("CREDENTIALS_DIRECTORY")));
}

TEST(LoadKeysTest, SecretEncodings) {
  // 32 bytes 0xfb 0xff... chosen so base64 and base64url differ ('+/' vs
  // '-_').
  const std::string bytes = std::string(32, '\xfb');
  const std::string b64 = "+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s=";
  const std::string b64url = "-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s";
  setenv("JWTGATE_TEST_B64", b64.c_str(), 1);
  setenv("JWTGATE_TEST_B64URL", b64url.c_str(), 1);
  auto from_b64 =
      LoadKeys(SecretSpec(KeySpec::Source::kSecretEnv, "JWTGATE_TEST_B64",
                          KeySpec::Encoding::kBase64));
  auto from_url =
      LoadKeys(SecretSpec(KeySpec::Source::kSecretEnv, "JWTGATE_TEST_B64URL",
                          KeySpec::Encoding::kBase64Url));
  ASSERT_THAT(from_b64, IsOk());
  ASSERT_THAT(from_url, IsOk());
  // Both decode to the same 32 bytes.
  EXPECT_TRUE(HoldsSecret((*from_b64)[0], bytes));
  EXPECT_TRUE(HoldsSecret((*from_url)[0], bytes));
  // Wrong encoding for the text → error naming the encoding, not the value.
  auto wrong =
      LoadKeys(SecretSpec(KeySpec::Source::kSecretEnv, "JWTGATE_TEST_B64URL",
                          KeySpec::Encoding::kBase64));
  EXPECT_THAT(
      wrong, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base64")));
  EXPECT_THAT(std::string(wrong.status().message()), Not(HasSubstr(b64url)));
  unsetenv("JWTGATE_TEST_B64");
  unsetenv("JWTGATE_TEST_B64URL");
}

TEST(LoadKeysTest, ErrorsNeverContainTheSecret) {
  // A too-short secret: the message gives its length, never its bytes.
  const std::string weak = "hunter2-weak";
  setenv("JWTGATE_TEST_WEAK", weak.c_str(), 1);
  auto r =
      LoadKeys(SecretSpec(KeySpec::Source::kSecretEnv, "JWTGATE_TEST_WEAK"));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("JWTGATE_TEST_WEAK")));
  EXPECT_THAT(std::string(r.status().message()), Not(HasSubstr(weak)));
  unsetenv("JWTGATE_TEST_WEAK");
}

TEST(LoadKeysTest, SecretRequiresHmacAlg) {
  setenv("JWTGATE_TEST_SECRET", kSecret, 1);
  KeySpec spec = SecretSpec(KeySpec::Source::kSecretEnv, "JWTGATE_TEST_SECRET");
  spec.alg = Alg::kRS256;
  EXPECT_THAT(LoadKeys(spec), StatusIs(absl::StatusCode::kInvalidArgument));
  spec.alg.reset();
  EXPECT_THAT(LoadKeys(spec), StatusIs(absl::StatusCode::kInvalidArgument));
  unsetenv("JWTGATE_TEST_SECRET");
}

TEST(LoadKeysTest, PublicKeyFile) {
  TempDir dir;
  KeySpec spec;
  spec.name = "idp";
  spec.source = KeySpec::Source::kPublicKeyFile;
  spec.source_value = dir.Write("rsa.pem", testing::Rsa2048().public_pem);
  spec.alg = Alg::kRS256;
  spec.kid = "rsa-1";
  auto keys = LoadKeys(spec);
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ((*keys)[0]->kid(), "rsa-1");
  spec.alg = Alg::kES256;
  EXPECT_THAT(LoadKeys(spec), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("rsa.pem")));
}

TEST(LoadKeysTest, JwksFile) {
  TempDir dir;
  KeySpec spec;
  spec.name = "idp";
  spec.source = KeySpec::Source::kJwksFile;
  spec.source_value = dir.Write(
      "jwks.json",
      "{\"keys\":[" + testing::PublicJwk(testing::EcP256(), "ec-1", "ES256") +
          "," + testing::PublicJwk(testing::Rsa2048(), "rsa-1") + "]}");
  auto keys = LoadKeys(spec);
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0]->kid(), "ec-1");
  EXPECT_EQ((*keys)[1]->kid(), "rsa-1");
  spec.source_value = dir.Write("bad.json", "{\"keys\":");
  EXPECT_THAT(LoadKeys(spec), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("bad.json")));
}

}  // namespace
}  // namespace jwtgate::jwt
