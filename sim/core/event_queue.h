#pragma once
// The discrete-event queue: events ordered by (tick, sequence number). The sequence number is
// assigned at scheduling time, so two events due at the same tick run in the order they were
// scheduled, on every machine.
//
// Most events are disk completions due a few hundred ticks ahead, so the queue is a timing
// wheel: one bucket per tick for the next kWheelTicks ticks, each a FIFO (events of one tick
// arrive in sequence order), and a bitmap of the buckets in use. Events further ahead (timers,
// in milliseconds or seconds) wait in a binary heap; pop takes whichever of the two comes first
// by (tick, sequence), so the order is exactly that of one heap over all events.

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <vector>

#include "sim/core/time.h"

namespace llb::sim {

enum class EventKind : std::uint8_t {
  DiskIoComplete,    // a: member, b: request id
  DaemonTimer,       // the llbitmap pending_timer fires
  SafeModeTimer,     // md marks the array clean after idle
  WritebackTimer,    // RFC: page-cache writeback of dirty bitmap pages
  ResyncStep,        // the sync thread handles its next chunk
  TraceStep,         // the trace runner continues
  Wakeup,            // a waiter's condition may now hold; a: waiter id
  MdThread,          // the md thread's md_check_recovery pass
};

struct Event {
  Tick at = 0;
  std::uint64_t seq = 0;
  EventKind kind = EventKind::TraceStep;
  std::uint32_t a = 0;
  std::uint64_t b = 0;
};

class EventQueue {
 public:
  static constexpr std::uint32_t kWheelTicks = 1024;

  EventQueue() { head_.fill(kNone); }

  // Inlined: every disk request schedules its completion. The far path stays out of line.
  [[gnu::always_inline]] void schedule(Tick at, EventKind kind, std::uint32_t a = 0,
                                       std::uint64_t b = 0) {
    const Event e{at, next_seq_++, kind, a, b};
    if (at - base_ < kWheelTicks && at >= base_) [[likely]] {
      push_wheel(e);
    } else {
      push_far(e);
    }
  }
  bool empty() const { return wheel_count_ == 0 && far_.empty(); }
  std::size_t size() const { return wheel_count_ + far_.size(); }
  std::uint64_t scheduled() const { return next_seq_; }
  // The next event (the queue must not be empty).
  const Event& top() const {
    const std::uint32_t bucket = next_bucket();
    return bucket != kNone ? nodes_[head_[bucket]].e : far_.front();
  }
  Event pop() {
    Event e;
    pop(e);
    return e;
  }
  // Takes the next event into e; false when the queue is empty (the event loop's form).
  bool pop(Event& e) {
    std::uint32_t bucket = kNone;
    if (wheel_count_ != 0) [[likely]] {
      bucket = first_bucket();
      if (!far_.empty() && Later{}(nodes_[head_[bucket]].e, far_.front())) bucket = kNone;
    } else if (far_.empty()) {
      return false;
    }
    if (bucket != kNone) [[likely]] {
      pop_bucket(bucket, e);
    } else {
      pop_far(e);
    }
    // Every event left is due at e.at or later; an event scheduled in the past (it goes to the
    // heap) must not move the wheel back.
    if (e.at > base_) base_ = e.at;
    return true;
  }
  void clear() {
    far_.clear();
    nodes_.clear();
    free_ = kNone;
    head_.fill(kNone);
    used_.fill(0);
    wheel_count_ = 0;
  }

 private:
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};
  static constexpr std::uint32_t kMask = kWheelTicks - 1;
  static constexpr std::uint32_t kWords = kWheelTicks / 64;
  struct Later {
    bool operator()(const Event& x, const Event& y) const {
      return x.at != y.at ? x.at > y.at : x.seq > y.seq;
    }
  };
  struct Node {
    Event e;
    std::uint32_t next = kNone;
  };

  [[gnu::noinline]] void push_far(const Event& e) {
    far_.push_back(e);
    std::push_heap(far_.begin(), far_.end(), Later{});
  }
  [[gnu::always_inline]] void push_wheel(const Event& e) {
    std::uint32_t n;
    if (free_ != kNone) {
      n = free_;
      free_ = nodes_[n].next;
      nodes_[n] = Node{e, kNone};
    } else {
      n = static_cast<std::uint32_t>(nodes_.size());
      nodes_.push_back(Node{e, kNone});
    }
    const std::uint32_t i = static_cast<std::uint32_t>(e.at) & kMask;
    if (head_[i] == kNone) {
      head_[i] = n;
      used_[i >> 6] |= std::uint64_t{1} << (i & 63);
    } else {
      nodes_[tail_[i]].next = n;
    }
    tail_[i] = n;
    ++wheel_count_;
  }
  // The wheel bucket holding the next event, or kNone when the next event is in the heap.
  std::uint32_t next_bucket() const {
    if (wheel_count_ == 0) return kNone;
    const std::uint32_t bucket = first_bucket();
    if (!far_.empty() && Later{}(nodes_[head_[bucket]].e, far_.front())) return kNone;
    return bucket;
  }
  // The bucket of the earliest wheel event: the first in use from base_'s bucket on, circularly.
  std::uint32_t first_bucket() const {
    const std::uint32_t start = static_cast<std::uint32_t>(base_) & kMask;
    std::uint32_t w = start >> 6;
    std::uint64_t bits = used_[w] & (~std::uint64_t{0} << (start & 63));
    for (std::uint32_t k = 0; k <= kWords; ++k) {
      if (bits) return (w << 6) | static_cast<std::uint32_t>(std::countr_zero(bits));
      w = (w + 1) & (kWords - 1);
      bits = used_[w];
    }
    return kNone;  // not reached while wheel_count_ > 0
  }
  void pop_bucket(std::uint32_t i, Event& e) {
    const std::uint32_t n = head_[i];
    e = nodes_[n].e;
    head_[i] = nodes_[n].next;
    if (head_[i] == kNone) used_[i >> 6] &= ~(std::uint64_t{1} << (i & 63));
    nodes_[n].next = free_;
    free_ = n;
    --wheel_count_;
  }
  [[gnu::noinline]] void pop_far(Event& e) {
    std::pop_heap(far_.begin(), far_.end(), Later{});
    e = far_.back();
    far_.pop_back();
  }

  Tick base_ = 0;  // every event in the wheel is due in [base_, base_ + kWheelTicks)
  std::array<std::uint32_t, kWheelTicks> head_{}, tail_{};
  std::array<std::uint64_t, kWords> used_{};
  std::vector<Node> nodes_;
  std::uint32_t free_ = kNone;
  std::size_t wheel_count_ = 0;
  std::vector<Event> far_;  // a heap by Later
  std::uint64_t next_seq_ = 0;
};

}  // namespace llb::sim
