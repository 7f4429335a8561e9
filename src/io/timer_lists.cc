// Per-class FIFO timer lists.
#include "jwtgate/io/timer_lists.h"

#include <algorithm>
#include <utility>

namespace jwtgate::io {

TimerLists::TimerLists(std::vector<int64_t> durations_ms)
    : lists_(durations_ms.size()) {
  for (size_t i = 0; i < durations_ms.size(); ++i) {
    lists_[i].duration_ms = durations_ms[i];
  }
}

void TimerLists::Append(List& list, TimerNode* node) {
  node->next = nullptr;
  node->prev = list.tail;
  if (list.tail != nullptr) {
    list.tail->next = node;
  } else {
    list.head = node;
  }
  list.tail = node;
}

void TimerLists::Arm(TimerNode* node, int timer_class, int64_t now_ms) {
  Disarm(node);
  List& list = lists_[timer_class];
  node->deadline_ms = now_ms + list.duration_ms;
  node->timer_class = timer_class;
  // Usually the new deadline is the latest, so this is an append. After a
  // reload shortened the duration (or an injected clock went back) walk
  // back from the tail to keep the list sorted.
  TimerNode* after = list.tail;
  while (after != nullptr && after->deadline_ms > node->deadline_ms) {
    after = after->prev;
  }
  if (after == list.tail) {
    Append(list, node);
  } else {
    TimerNode* before = after == nullptr ? list.head : after->next;
    node->prev = after;
    node->next = before;
    before->prev = node;
    if (after != nullptr) {
      after->next = node;
    } else {
      list.head = node;
    }
  }
  ++armed_;
}

void TimerLists::Disarm(TimerNode* node) {
  if (!node->armed()) return;
  List& list = lists_[node->timer_class];
  if (node->prev != nullptr) {
    node->prev->next = node->next;
  } else {
    list.head = node->next;
  }
  if (node->next != nullptr) {
    node->next->prev = node->prev;
  } else {
    list.tail = node->prev;
  }
  node->prev = node->next = nullptr;
  node->timer_class = -1;
  --armed_;
}

int64_t TimerLists::NextDeadline() const {
  int64_t next = kNever;
  for (const List& list : lists_) {
    if (list.head != nullptr) next = std::min(next, list.head->deadline_ms);
  }
  return next;
}

void TimerLists::SetDuration(int timer_class, int64_t duration_ms) {
  List& list = lists_[timer_class];
  if (list.duration_ms == duration_ms) return;
  list.duration_ms = duration_ms;
  // Rare (reloads): collect, stable-sort by deadline, relink.
  std::vector<TimerNode*> nodes;
  for (TimerNode* n = list.head; n != nullptr; n = n->next) nodes.push_back(n);
  std::stable_sort(nodes.begin(), nodes.end(),
                   [](const TimerNode* a, const TimerNode* b) {
                     return a->deadline_ms < b->deadline_ms;
                   });
  list.head = list.tail = nullptr;
  for (TimerNode* n : nodes) Append(list, n);
}

}  // namespace jwtgate::io
