#include "jwtgate/io/timer_lists.h"

#include <vector>

#include "gtest/gtest.h"

namespace jwtgate::io {
namespace {

std::vector<uint64_t> ExpireAt(TimerLists& t, int64_t now) {
  std::vector<uint64_t> fired;
  t.Expire(now, [&](TimerNode* n, int) { fired.push_back(n->cookie); });
  return fired;
}

TEST(TimerListsTest, EmptyHasNoDeadline) {
  TimerLists t({100, 1000});
  EXPECT_EQ(t.NextDeadline(), TimerLists::kNever);
  EXPECT_TRUE(ExpireAt(t, 1'000'000).empty());
}

TEST(TimerListsTest, FiresInDeadlineOrderAcrossClasses) {
  TimerLists t({100, 1000});
  TimerNode a{.cookie = 1}, b{.cookie = 2}, c{.cookie = 3};
  t.Arm(&a, 1, 0);   // 1000
  t.Arm(&b, 0, 0);   // 100
  t.Arm(&c, 0, 50);  // 150
  EXPECT_EQ(t.NextDeadline(), 100);
  EXPECT_EQ(t.armed_count(), 3u);
  EXPECT_TRUE(ExpireAt(t, 99).empty());
  EXPECT_EQ(ExpireAt(t, 100), std::vector<uint64_t>({2}));
  EXPECT_FALSE(b.armed());
  EXPECT_EQ(t.NextDeadline(), 150);
  EXPECT_EQ(ExpireAt(t, 5000), std::vector<uint64_t>({3, 1}));
  EXPECT_EQ(t.armed_count(), 0u);
}

TEST(TimerListsTest, RearmMovesToTail) {
  TimerLists t({100});
  TimerNode a{.cookie = 1}, b{.cookie = 2};
  t.Arm(&a, 0, 0);
  t.Arm(&b, 0, 10);
  t.Arm(&a, 0, 20);  // activity on a: now due at 120, after b
  EXPECT_EQ(t.NextDeadline(), 110);
  EXPECT_EQ(ExpireAt(t, 115), std::vector<uint64_t>({2}));
  EXPECT_EQ(ExpireAt(t, 120), std::vector<uint64_t>({1}));
}

TEST(TimerListsTest, DisarmUnlinksFromMiddleHeadAndTail) {
  TimerLists t({100});
  TimerNode n[4];
  for (int i = 0; i < 4; ++i) {
    n[i].cookie = i;
    t.Arm(&n[i], 0, i);
  }
  t.Disarm(&n[1]);
  t.Disarm(&n[0]);
  t.Disarm(&n[3]);
  t.Disarm(&n[3]);  // idempotent
  EXPECT_EQ(t.armed_count(), 1u);
  EXPECT_EQ(ExpireAt(t, 1000), std::vector<uint64_t>({2}));
}

TEST(TimerListsTest, CallbackMayRearmTheFiringNode) {
  TimerLists t({100});
  TimerNode a{.cookie = 1};
  t.Arm(&a, 0, 0);
  int fired = 0;
  t.Expire(100, [&](TimerNode* n, int timer_class) {
    EXPECT_EQ(timer_class, 0);
    ++fired;
    t.Arm(n, 0, 100);  // due at 200: not fired again in this pass
  });
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(a.armed());
  EXPECT_EQ(t.NextDeadline(), 200);
}

TEST(TimerListsTest, ShorterDurationKeepsOrder) {
  TimerLists t({1000});
  TimerNode a{.cookie = 1}, b{.cookie = 2};
  t.Arm(&a, 0, 0);  // 1000
  t.SetDuration(0, 100);
  t.Arm(&b, 0, 0);  // 100: must fire before a
  EXPECT_EQ(t.NextDeadline(), 100);
  EXPECT_EQ(ExpireAt(t, 100), std::vector<uint64_t>({2}));
  EXPECT_EQ(ExpireAt(t, 1000), std::vector<uint64_t>({1}));
}

}  // namespace
}  // namespace jwtgate::io
