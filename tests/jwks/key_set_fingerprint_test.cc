#include "jwks/key_set_fingerprint.h"

#include "gtest/gtest.h"

namespace jwtgate::jwks {
namespace {

constexpr char kA[] =
    R"({"kty":"EC","crv":"P-256","kid":"a","x":"AAA","y":"BBB"})";
constexpr char kB[] = R"({"kty":"OKP","crv":"Ed25519","kid":"b","x":"CCC"})";

std::string Set(std::string_view first, std::string_view second) {
  return std::string(R"({"keys":[)") + std::string(first) + "," +
         std::string(second) + "]}";
}

TEST(KeySetFingerprintTest, OrderWhitespaceAndOtherMembersDoNotMatter) {
  auto f1 = KeySetFingerprint(Set(kA, kB));
  auto f2 = KeySetFingerprint(Set(kB, kA));
  auto f3 = KeySetFingerprint(
      std::string("{ \"other\": 1,\n  \"keys\" : [ ") + kB + " , " +
      R"({"x":"AAA","kid":"a","crv":"P-256","kty":"EC","y":"BBB","x5t":"zz"})" +
      "]}");
  ASSERT_TRUE(f1.ok() && f2.ok() && f3.ok());
  EXPECT_EQ(f1->size(), 32u);
  EXPECT_EQ(*f1, *f2);
  EXPECT_EQ(*f1, *f3);
}

TEST(KeySetFingerprintTest, KeyMaterialKidOrAlgChangesIt) {
  auto base = KeySetFingerprint(Set(kA, kB));
  ASSERT_TRUE(base.ok());
  for (
      const char* changed : {
          R"({"kty":"EC","crv":"P-256","kid":"a","x":"AAB","y":"BBB"})",
          R"({"kty":"EC","crv":"P-256","kid":"a2","x":"AAA","y":"BBB"})",
          R"({"kty":"EC","crv":"P-256","kid":"a","x":"AAA","y":"BBB","alg":"ES256"})",
      }) {
    auto f = KeySetFingerprint(Set(changed, kB));
    ASSERT_TRUE(f.ok());
    EXPECT_NE(*f, *base) << changed;
  }
  auto removed = KeySetFingerprint(std::string(R"({"keys":[)") + kB + "]}");
  ASSERT_TRUE(removed.ok());
  EXPECT_NE(*removed, *base);
}

TEST(KeySetFingerprintTest, ValueBoundariesAreUnambiguous) {
  auto f1 = KeySetFingerprint(R"({"keys":[{"kid":"ab","kty":"c"}]})");
  auto f2 = KeySetFingerprint(R"({"keys":[{"kid":"a","kty":"bc"}]})");
  ASSERT_TRUE(f1.ok() && f2.ok());
  EXPECT_NE(*f1, *f2);
}

TEST(KeySetFingerprintTest, NotAJwks) {
  EXPECT_FALSE(KeySetFingerprint("{").ok());
  EXPECT_FALSE(KeySetFingerprint(R"({"keys":{}})").ok());
  EXPECT_FALSE(KeySetFingerprint(R"({"keys":[1]})").ok());
}

}  // namespace
}  // namespace jwtgate::jwks
