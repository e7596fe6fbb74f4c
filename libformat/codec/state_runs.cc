#include "libformat/codec/state_runs.h"

namespace llb {

StateCounts count_states(std::span<const std::uint8_t> bytes, KernelVersion v) {
  std::array<std::uint64_t, 256> histogram{};
  for (std::uint8_t b : bytes) ++histogram[b];
  StateCounts c;
  const int n = state_count(v);
  for (int b = 0; b < 256; ++b) {
    if (b < n) {
      c.by_state[static_cast<std::size_t>(b)] = histogram[static_cast<std::size_t>(b)];
    } else {
      c.invalid += histogram[static_cast<std::size_t>(b)];
    }
  }
  return c;
}

std::vector<StateRun> state_runs(std::span<const std::uint8_t> bytes) {
  std::vector<StateRun> runs;
  for (std::uint64_t i = 0; i < bytes.size(); ++i) {
    if (!runs.empty() && runs.back().value == bytes[i] && runs.back().last + 1 == i) {
      runs.back().last = i;
    } else {
      runs.push_back({i, i, bytes[i]});
    }
  }
  return runs;
}

std::vector<StateRun> index_runs(std::span<const std::uint64_t> ascending) {
  std::vector<StateRun> runs;
  for (std::uint64_t i : ascending) {
    if (!runs.empty() && runs.back().last + 1 == i) {
      runs.back().last = i;
    } else {
      runs.push_back({i, i, 0});
    }
  }
  return runs;
}

}  // namespace llb
