#include "sim/explore/enumerate.h"

#include "sim/core/prng.h"

namespace llb::sim {

bool enumerate_states(const CrashPoint& cp, const ExploreOptions& o, std::uint64_t events,
                      Budget& budget, ExploreResult& result, StateChecker& checker,
                      std::vector<std::uint8_t>& fates) {
  const std::vector<Pending>& pend = cp.pend;
  std::uint64_t space = 1;
  for (const Pending& p : pend) {
    space *= p.radix;
    if (space > o.max_combinations) break;
  }
  const bool exhaustive = o.exhaustive && space <= o.max_combinations;
  // A write with a single fate (a cached write when caches are not lost) is always kept.
  fates.resize(pend.size());
  for (std::size_t k = 0; k < pend.size(); ++k) fates[k] = pend[k].radix == 1 ? kLanded : kLost;
  if (exhaustive) {
    for (std::uint64_t i = 0; i < space && budget.left(result); ++i) {
      checker.push_state(fates.data());
      // next fate vector (mixed radix)
      for (std::size_t k = 0; k < fates.size(); ++k) {
        if (pend[k].radix == 1) continue;
        if (++fates[k] < pend[k].radix) break;
        fates[k] = 0;
      }
    }
  } else {
    Prng p(o.seed ^ (events * 0x9e3779b97f4a7c15ull));
    for (std::uint32_t i = 0; i < o.samples && budget.left(result); ++i) {
      // Four fates per 64 random bits: 16 bits each, scaled to the radix (multiply-shift; the
      // bias of at most 5 in 65536 does not matter for sampling).
      std::uint64_t bits = 0;
      for (std::size_t k = 0; k < fates.size(); ++k) {
        if ((k & 3) == 0) bits = p.next();
        const std::uint64_t r16 = (bits >> ((k & 3) * 16)) & 0xffff;
        fates[k] = pend[k].radix == 1 ? kLanded
                                      : static_cast<std::uint8_t>((r16 * pend[k].radix) >> 16);
      }
      checker.push_state(fates.data());
    }
  }
  checker.flush();
  return !exhaustive;
}

}  // namespace llb::sim
