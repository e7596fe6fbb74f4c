#include "sim/event_queue.h"

#include <algorithm>

namespace llb::sim {

void EventQueue::schedule(Tick at, EventKind kind, std::uint32_t a, std::uint64_t b) {
  heap_.push_back(Event{at, next_seq_++, kind, a, b});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

Event EventQueue::pop() {
  std::pop_heap(heap_.begin(), heap_.end(), later);
  Event e = heap_.back();
  heap_.pop_back();
  return e;
}

}  // namespace llb::sim
