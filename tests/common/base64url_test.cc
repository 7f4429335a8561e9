// Strict base64url (JWS) and lenient standard base64.
#include "jwtgate/common/base64url.h"

#include <string>

#include "gtest/gtest.h"

namespace jwtgate {
namespace {

std::string Decode(std::string_view in) {
  std::string out(Base64UrlDecodedMaxSize(in.size()), '\0');
  const ptrdiff_t n =
      Base64UrlDecode(in, reinterpret_cast<uint8_t*>(out.data()), out.size());
  if (n < 0) return "<error>";
  out.resize(static_cast<size_t>(n));
  return out;
}

// RFC 4648 §10 vectors, in the URL alphabet without padding.
TEST(Base64UrlTest, Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},
      {"f", "Zg"},
      {"fo", "Zm8"},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg"},
      {"fooba", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base64UrlEncode(plain), encoded);
    EXPECT_EQ(Decode(encoded), plain);
  }
}

TEST(Base64UrlTest, UsesUrlAlphabet) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_EQ(Decode("-_-_"), bytes);
}

TEST(Base64UrlTest, RoundTripsEveryByteAndLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t len = 0; len <= all.size(); ++len) {
    const std::string in = all.substr(0, len);
    ASSERT_EQ(Decode(Base64UrlEncode(in)), in) << "len " << len;
  }
}

TEST(Base64UrlTest, RejectsNonStrictInput) {
  EXPECT_EQ(Decode("Zg=="), "<error>");    // padding
  EXPECT_EQ(Decode("Zm8="), "<error>");    // padding
  EXPECT_EQ(Decode("Zm9v+g"), "<error>");  // standard alphabet '+'
  EXPECT_EQ(Decode("Zm9v/g"), "<error>");  // standard alphabet '/'
  EXPECT_EQ(Decode("Zm 9v"), "<error>");   // whitespace
  EXPECT_EQ(Decode("Zm9v\n"), "<error>");  // newline
  EXPECT_EQ(Decode("Z"), "<error>");       // length % 4 == 1
  EXPECT_EQ(Decode("Zm9vY"), "<error>");   // length % 4 == 1
  EXPECT_EQ(Decode(std::string("Zm\0v", 4)), "<error>");
  EXPECT_EQ(Decode("Zm9v\xc3\xa9"), "<error>");  // non-ASCII
}

TEST(Base64UrlTest, RejectsNonCanonicalTrailingBits) {
  // "Zg" is canonical for "f"; "Zh" decodes to the same byte with a stray
  // low bit set.
  EXPECT_EQ(Decode("Zg"), "f");
  EXPECT_EQ(Decode("Zh"), "<error>");
  EXPECT_EQ(Decode("Zm8"), "fo");
  EXPECT_EQ(Decode("Zm9"), "<error>");
}

TEST(Base64UrlTest, RespectsOutputCapacity) {
  uint8_t out[2];
  EXPECT_EQ(Base64UrlDecode("Zm9v", out, sizeof(out)), -1);
  EXPECT_EQ(Base64UrlDecode("Zm8", out, sizeof(out)), 2);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 2), "fo");
}

TEST(Base64StdTest, DecodesWithAndWithoutPadding) {
  std::string out;
  ASSERT_TRUE(Base64StdDecode("Zm9vYmE=", &out));
  EXPECT_EQ(out, "fooba");
  ASSERT_TRUE(Base64StdDecode("Zm9vYmE", &out));
  EXPECT_EQ(out, "fooba");
  ASSERT_TRUE(Base64StdDecode("+/+/", &out));
  EXPECT_EQ(out, std::string("\xfb\xff\xbf", 3));
}

TEST(Base64StdTest, RejectsMalformed) {
  std::string out;
  EXPECT_FALSE(Base64StdDecode("Zm9vYmE==", &out));  // too much padding
  EXPECT_FALSE(Base64StdDecode("Zm9v-_", &out));     // URL alphabet
  EXPECT_FALSE(Base64StdDecode("Zm 9v", &out));
  EXPECT_FALSE(Base64StdDecode("Z", &out));
}

}  // namespace
}  // namespace jwtgate
