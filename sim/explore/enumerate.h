#pragma once
// The crash states of one crash point: every vector of fates (one per pending write, mixed radix)
// when there are at most options.max_combinations of them, else options.samples seeded random
// ones; each handed to the state checker. This is the unit of work a parallel exploration hands
// out: a crash point and its states depend only on the run up to that point.

#include <cstdint>
#include <vector>

#include "sim/explore/checker.h"

namespace llb::sim {

// Returns true when the point was sampled rather than enumerated. `fates` is scratch storage.
bool enumerate_states(const CrashPoint& cp, const ExploreOptions& o, std::uint64_t events,
                      Budget& budget, ExploreResult& result, StateChecker& checker,
                      std::vector<std::uint8_t>& fates);

}  // namespace llb::sim
