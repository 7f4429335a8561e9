// File: jwtgate/io/timer_lists.h
//
// The shard's one timer structure: a FIFO list per timeout class. Every
// timer of a class has the same duration, so appending at the tail keeps a
// list sorted by deadline; arming, re-arming and cancelling are O(1) unlinks
// and appends, and the next deadline is the earliest list head. The loop
// passes NextDeadline() to its single wait (no kernel timer per timeout).
//
// Nodes are intrusive (embedded in the connection objects); a node must be
// disarmed before its owner is destroyed. Not thread-safe: one shard only.
#ifndef JWTGATE_IO_TIMER_LISTS_H_
#define JWTGATE_IO_TIMER_LISTS_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace jwtgate::io {

struct TimerNode {
  TimerNode* prev = nullptr;
  TimerNode* next = nullptr;
  int64_t deadline_ms = 0;
  int timer_class = -1;  // -1: not armed
  // Owner's cookie, handed back on expiry (e.g. a packed slot+generation).
  uint64_t cookie = 0;

  bool armed() const { return timer_class >= 0; }
};

class TimerLists {
 public:
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  // One class per entry; `durations_ms[c]` is the timeout of class c.
  explicit TimerLists(std::vector<int64_t> durations_ms);
  TimerLists(const TimerLists&) = delete;
  TimerLists& operator=(const TimerLists&) = delete;

  int class_count() const { return static_cast<int>(lists_.size()); }
  int64_t duration_ms(int timer_class) const {
    return lists_[timer_class].duration_ms;
  }
  // Changes a class's duration (config reload). Armed timers keep their
  // deadlines; the list is re-sorted so expiry stays in deadline order.
  void SetDuration(int timer_class, int64_t duration_ms);

  // (Re)arms `node` in `timer_class` to fire at now_ms + duration.
  void Arm(TimerNode* node, int timer_class, int64_t now_ms);
  // Disarms `node`; no-op when it is not armed.
  void Disarm(TimerNode* node);

  // Earliest deadline over all classes, kNever when nothing is armed.
  int64_t NextDeadline() const;
  size_t armed_count() const { return armed_; }

  // Disarms and hands every node with deadline <= now_ms to
  // fn(TimerNode*, int timer_class), earliest first within a class. `fn`
  // may arm or disarm any node, including the one it was given.
  template <typename Fn>
  void Expire(int64_t now_ms, Fn&& fn) {
    for (int c = 0; c < class_count(); ++c) {
      List& list = lists_[c];
      while (list.head != nullptr && list.head->deadline_ms <= now_ms) {
        TimerNode* node = list.head;
        Disarm(node);
        fn(node, c);
      }
    }
  }

 private:
  struct List {
    TimerNode* head = nullptr;
    TimerNode* tail = nullptr;
    int64_t duration_ms = 0;
  };
  void Append(List& list, TimerNode* node);

  std::vector<List> lists_;
  size_t armed_ = 0;
};

}  // namespace jwtgate::io

#endif  // JWTGATE_IO_TIMER_LISTS_H_
