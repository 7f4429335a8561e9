#include "jwtgate/io/user_data.h"

#include "gtest/gtest.h"

namespace jwtgate::io {
namespace {

TEST(UserDataTest, RoundTripsEveryField) {
  const uint64_t v = UserData::Pack(7, 123456, 0xdeadbeef);
  EXPECT_EQ(UserData::Kind(v), 7);
  EXPECT_EQ(UserData::Slot(v), 123456u);
  EXPECT_EQ(UserData::Generation(v), 0xdeadbeefu);
}

TEST(UserDataTest, ExtremesDoNotBleedIntoNeighbours) {
  const uint64_t v =
      UserData::Pack(UserData::kMaxKind, UserData::kMaxSlot, 0xffffffffu);
  EXPECT_EQ(UserData::Kind(v), UserData::kMaxKind);
  EXPECT_EQ(UserData::Slot(v), UserData::kMaxSlot);
  EXPECT_EQ(UserData::Generation(v), 0xffffffffu);
  // Never liburing's reserved timeout cookie.
  EXPECT_NE(v, ~uint64_t{0});

  const uint64_t z = UserData::Pack(1, 0, 0);
  EXPECT_EQ(UserData::Slot(z), 0u);
  EXPECT_EQ(UserData::Generation(z), 0u);
  EXPECT_EQ(UserData::Kind(z), 1);
}

TEST(UserDataTest, GenerationDistinguishesReusedSlot) {
  const uint64_t first = UserData::Pack(3, 42, 1);
  const uint64_t second = UserData::Pack(3, 42, 2);
  EXPECT_NE(first, second);
  EXPECT_EQ(UserData::Slot(first), UserData::Slot(second));
}

static_assert(UserData::Kind(UserData::Pack(5, 9, 11)) == 5);

}  // namespace
}  // namespace jwtgate::io
