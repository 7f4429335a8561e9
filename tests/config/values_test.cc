// Value syntaxes: durations, sizes, integers, booleans, lists.
#include "jwtgate/config/values.h"

#include "gtest/gtest.h"

namespace jwtgate::config {
namespace {

TEST(ValuesTest, Durations) {
  EXPECT_EQ(*ParseDurationMs("250ms"), 250);
  EXPECT_EQ(*ParseDurationMs("10s"), 10'000);
  EXPECT_EQ(*ParseDurationMs("5m"), 300'000);
  EXPECT_EQ(*ParseDurationMs("1h"), 3'600'000);
  EXPECT_EQ(*ParseDurationMs("2d"), 172'800'000);
  EXPECT_EQ(*ParseDurationMs("1m30s"), 90'000);
  EXPECT_EQ(*ParseDurationMs("0"), 0);
  EXPECT_EQ(*ParseDurationMs("0s"), 0);
  for (const char* bad : {"", "3 parsecs", "10", "s", "1.5s", "-1s", "10S",
                          "1x", "1h ", " 1h", "1mss"}) {
    absl::StatusOr<int64_t> d = ParseDurationMs(bad);
    EXPECT_FALSE(d.ok()) << bad;
  }
  EXPECT_EQ(ParseDurationMs("3 parsecs").status().message(),
            "expected a duration like 250ms, 10s, 5m or 1h, got '3 parsecs'");
  EXPECT_FALSE(ParseDurationMs("99999999999h").ok());
  EXPECT_FALSE(ParseDurationMs("400d").ok());
}

TEST(ValuesTest, Sizes) {
  EXPECT_EQ(*ParseSize("512"), 512u);
  EXPECT_EQ(*ParseSize("16k"), 16u * 1024);
  EXPECT_EQ(*ParseSize("16K"), 16u * 1024);
  EXPECT_EQ(*ParseSize("1m"), 1024u * 1024);
  EXPECT_EQ(*ParseSize("2g"), 2ull << 30);
  EXPECT_EQ(*ParseSize("0"), 0u);
  for (const char* bad : {"", "k", "16kb", "1.5m", "-1", "16 k", "1t"}) {
    EXPECT_FALSE(ParseSize(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseSize("99999999999999g").ok());
}

TEST(ValuesTest, Integers) {
  EXPECT_EQ(*ParseInt("42", 0, 100), 42);
  EXPECT_EQ(*ParseInt("-1", -5, 5), -1);
  EXPECT_EQ(ParseInt("-1", 1, 1024).status().message(),
            "'-1' is out of range 1-1024");
  EXPECT_EQ(ParseInt("x", 0, 1).status().message(),
            "expected a whole number, got 'x'");
  EXPECT_FALSE(ParseInt("+1", 0, 5).ok());
  EXPECT_FALSE(ParseInt("1 ", 0, 5).ok());
  EXPECT_FALSE(ParseInt("", 0, 5).ok());
}

TEST(ValuesTest, Booleans) {
  EXPECT_TRUE(*ParseBool("true"));
  EXPECT_TRUE(*ParseBool("on"));
  EXPECT_TRUE(*ParseBool("yes"));
  EXPECT_FALSE(*ParseBool("false"));
  EXPECT_FALSE(*ParseBool("off"));
  EXPECT_FALSE(*ParseBool("no"));
  EXPECT_FALSE(ParseBool("True").ok());
  EXPECT_FALSE(ParseBool("1").ok());
}

TEST(ValuesTest, Lists) {
  EXPECT_EQ(*SplitList("a, b ,c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(*SplitList("single"), (std::vector<std::string>{"single"}));
  EXPECT_FALSE(SplitList("a,,b").ok());
  EXPECT_FALSE(SplitList("a, ").ok());
}

}  // namespace
}  // namespace jwtgate::config
