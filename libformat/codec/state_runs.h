#pragma once
// Counting and summarising llbitmap state bytes: how many chunks hold each state, and runs of
// equal states. Pure functions over bytes.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "libformat/codec/llbitmap_state.h"

namespace llb {

struct StateCounts {
  std::array<std::uint64_t, 8> by_state{};  // indexed by State
  std::uint64_t invalid = 0;                // bytes that are no state of this kernel version
  std::uint64_t count(State s) const { return by_state[static_cast<std::size_t>(s)]; }
};

struct StateRun {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint8_t value = 0;
};

StateCounts count_states(std::span<const std::uint8_t> bytes, KernelVersion v);
std::vector<StateRun> state_runs(std::span<const std::uint8_t> bytes);
// Runs of consecutive indices in an ascending list (the value is unused: 0).
std::vector<StateRun> index_runs(std::span<const std::uint64_t> ascending);

}  // namespace llb
