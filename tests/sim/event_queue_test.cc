// The timing-wheel event queue against the plainest reference: a sorted list of (tick,
// sequence). Random mixes of near events (the wheel), far ones (the heap), events at the current
// tick, in the past, and long gaps that wrap the wheel many times.

#include "sim/core/event_queue.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "sim/core/prng.h"

namespace llb::sim {
namespace {

TEST(EventQueue, PopsInTickThenSequenceOrder) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Prng p(seed);
    EventQueue q;
    std::set<std::pair<Tick, std::uint64_t>> ref;  // (at, seq)
    std::uint64_t seq = 0;
    Tick now = 0;
    for (int step = 0; step < 20000; ++step) {
      const std::uint64_t what = p.below(10);
      if (what < 6 || ref.empty()) {
        Tick at = now;
        switch (p.below(5)) {
          case 0: at = now; break;                                      // same tick
          case 1: at = now + p.below(EventQueue::kWheelTicks); break;   // inside the wheel
          case 2: at = now + p.below(4 * EventQueue::kWheelTicks); break;
          case 3: at = now + 1000000 + p.below(1000); break;            // a timer, far ahead
          default: at = now >= 5 ? now - p.below(5) : now; break;       // in the past
        }
        q.schedule(at, EventKind::Wakeup, 0, seq);
        ref.insert({at, seq});
        ++seq;
      } else {
        ASSERT_FALSE(q.empty());
        const auto want = *ref.begin();
        ASSERT_EQ(q.top().at, want.first);
        ASSERT_EQ(q.top().b, want.second);
        const Event e = q.pop();
        ASSERT_EQ(e.at, want.first) << "seed " << seed << " step " << step;
        ASSERT_EQ(e.seq, want.second);
        ASSERT_EQ(e.b, want.second);
        ref.erase(ref.begin());
        now = std::max(now, e.at);
      }
      ASSERT_EQ(q.size(), ref.size());
    }
    while (!ref.empty()) {
      ASSERT_EQ(q.pop().seq, ref.begin()->second);
      ref.erase(ref.begin());
    }
    EXPECT_TRUE(q.empty());
  }
}

}  // namespace
}  // namespace llb::sim
