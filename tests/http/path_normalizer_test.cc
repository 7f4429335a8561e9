// Table-driven tests of NormalizeTarget (SPEC §4 path normalisation).
#include "jwtgate/http/path_normalizer.h"

#include <string>

#include "gtest/gtest.h"

namespace jwtgate::http {
namespace {

struct Case {
  const char* target;
  PathVerdict verdict;
  const char* want;  // normalised target when verdict is kOk
};

const Case kCases[] = {
    // Already normal.
    {"/", PathVerdict::kOk, "/"},
    {"/a", PathVerdict::kOk, "/a"},
    {"/a/b/c", PathVerdict::kOk, "/a/b/c"},
    {"/a/b/", PathVerdict::kOk, "/a/b/"},
    {"/api/v1/users/42", PathVerdict::kOk, "/api/v1/users/42"},
    // Dot segments (RFC 3986 §5.2.4).
    {"/a/./b", PathVerdict::kOk, "/a/b"},
    {"/a/../b", PathVerdict::kOk, "/b"},
    {"/a/b/../../c", PathVerdict::kOk, "/c"},
    {"/a/b/c/./../../g", PathVerdict::kOk, "/a/g"},
    {"/a/.", PathVerdict::kOk, "/a/"},
    {"/a/..", PathVerdict::kOk, "/"},
    {"/a/b/..", PathVerdict::kOk, "/a/"},
    {"/.", PathVerdict::kOk, "/"},
    {"/./", PathVerdict::kOk, "/"},
    {"/a/./", PathVerdict::kOk, "/a/"},
    {"/mid/content=5/../6", PathVerdict::kOk, "/mid/6"},
    // Segments that only look like dots.
    {"/a/.../b", PathVerdict::kOk, "/a/.../b"},
    {"/a/.b/c.", PathVerdict::kOk, "/a/.b/c."},
    {"/a/..b/b..", PathVerdict::kOk, "/a/..b/b.."},
    // Above the root.
    {"/..", PathVerdict::kAboveRoot, ""},
    {"/../a", PathVerdict::kAboveRoot, ""},
    {"/a/../..", PathVerdict::kAboveRoot, ""},
    {"/a/../../b", PathVerdict::kAboveRoot, ""},
    {"/%2e%2e/a", PathVerdict::kAboveRoot, ""},
    // Encoded dots are decoded first, in either case and mixed with '.'.
    {"/a/%2e%2e/b", PathVerdict::kOk, "/b"},
    {"/a/%2E./b", PathVerdict::kOk, "/b"},
    {"/a/.%2E/b", PathVerdict::kOk, "/b"},
    {"/a/%2e/b", PathVerdict::kOk, "/a/b"},
    {"/a%2eb", PathVerdict::kOk, "/a.b"},
    {"/a/b/%2E%2E", PathVerdict::kOk, "/a/"},
    // Other escapes are validated and kept as written.
    {"/a%20b", PathVerdict::kOk, "/a%20b"},
    {"/caf%C3%A9", PathVerdict::kOk, "/caf%C3%A9"},
    {"/a%41", PathVerdict::kOk, "/a%41"},
    // Encoded separators are refused.
    {"/a%2Fb", PathVerdict::kEncodedSlash, ""},
    {"/a%2fb", PathVerdict::kEncodedSlash, ""},
    {"/a%5cb", PathVerdict::kEncodedSlash, ""},
    {"/a%5C..%5Cb", PathVerdict::kEncodedSlash, ""},
    // NUL, raw or encoded.
    {"/a%00b", PathVerdict::kNul, ""},
    {"/%00", PathVerdict::kNul, ""},
    // Bad escapes.
    {"/a%", PathVerdict::kBadEscape, ""},
    {"/a%2", PathVerdict::kBadEscape, ""},
    {"/a%zz", PathVerdict::kBadEscape, ""},
    {"/a%2g/b", PathVerdict::kBadEscape, ""},
    // Slashes are merged (nginx merge_slashes).
    {"//a//b", PathVerdict::kOk, "/a/b"},
    {"//", PathVerdict::kOk, "/"},
    {"/a///", PathVerdict::kOk, "/a/"},
    {"//..", PathVerdict::kAboveRoot, ""},
    // Query kept untouched.
    {"/a?x=../y", PathVerdict::kOk, "/a?x=../y"},
    {"/a/../b?q=%2F%00&r=//", PathVerdict::kOk, "/b?q=%2F%00&r=//"},
    {"/?", PathVerdict::kOk, "/?"},
    {"/a/./b?", PathVerdict::kOk, "/a/b?"},
    {"/a%2Fb?x", PathVerdict::kEncodedSlash, ""},
    // A raw backslash is an ordinary byte.
    {"/a\\b", PathVerdict::kOk, "/a\\b"},
    // Not origin-form.
    {"", PathVerdict::kNotOriginForm, ""},
    {"*", PathVerdict::kNotOriginForm, ""},
    {"a/b", PathVerdict::kNotOriginForm, ""},
    {"http://example.com/a", PathVerdict::kNotOriginForm, ""},
    {"?x=1", PathVerdict::kNotOriginForm, ""},
};

TEST(PathNormalizerTest, Table) {
  std::string out;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.target);
    const PathVerdict v = NormalizeTarget(c.target, &out);
    EXPECT_EQ(static_cast<int>(v), static_cast<int>(c.verdict));
    if (c.verdict == PathVerdict::kOk) {
      EXPECT_EQ(out, c.want);
    }
  }
}

TEST(PathNormalizerTest, TableHasAtLeastFortyCases) {
  EXPECT_GE(sizeof(kCases) / sizeof(kCases[0]), 40u);
}

TEST(PathNormalizerTest, RawNulInPathAndQuery) {
  std::string out;
  EXPECT_EQ(NormalizeTarget(std::string_view("/a\0b", 4), &out),
            PathVerdict::kNul);
  EXPECT_EQ(NormalizeTarget(std::string_view("/a?b\0", 5), &out),
            PathVerdict::kNul);
}

TEST(PathNormalizerTest, OutputIsClearedAndReusedWithoutGrowing) {
  std::string out = "stale content that is long enough";
  ASSERT_EQ(NormalizeTarget("/x/../y", &out), PathVerdict::kOk);
  EXPECT_EQ(out, "/y");
  out.reserve(256);
  const char* data = out.data();
  const size_t capacity = out.capacity();
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(
        NormalizeTarget("/api/v1/users/42/./profile/../settings?x=1", &out),
        PathVerdict::kOk);
  }
  EXPECT_EQ(out, "/api/v1/users/42/settings?x=1");
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out.capacity(), capacity);
}

TEST(PathNormalizerTest, NormalisingTwiceChangesNothing) {
  std::string once, twice;
  for (const Case& c : kCases) {
    if (c.verdict != PathVerdict::kOk) continue;
    ASSERT_EQ(NormalizeTarget(c.target, &once), PathVerdict::kOk);
    ASSERT_EQ(NormalizeTarget(once, &twice), PathVerdict::kOk) << c.target;
    EXPECT_EQ(once, twice) << c.target;
  }
}

}  // namespace
}  // namespace jwtgate::http
