#pragma once
// The discrete-event queue: events ordered by (tick, sequence number). The sequence number is
// assigned at scheduling time, so two events due at the same tick run in the order they were
// scheduled, on every machine. A plain binary heap of small PODs keeps it fast.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "sim/time.h"

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
  // Inline: every simulated I/O passes through both.
  void schedule(Tick at, EventKind kind, std::uint32_t a = 0, std::uint64_t b = 0) {
    heap_.push_back(Event{at, next_seq_++, kind, a, b});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }
  bool empty() const { return heap_.empty(); }
  const Event& top() const { return heap_.front(); }
  Event pop() {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    Event e = heap_.back();
    heap_.pop_back();
    return e;
  }
  std::size_t size() const { return heap_.size(); }
  void clear() { heap_.clear(); }
  std::uint64_t scheduled() const { return next_seq_; }

 private:
  // The heap's order as a type, so the standard heap algorithms inline it.
  struct Later {
    bool operator()(const Event& x, const Event& y) const {
      return x.at != y.at ? x.at > y.at : x.seq > y.seq;
    }
  };
  std::vector<Event> heap_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace llb::sim
