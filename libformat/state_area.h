#pragma once
// The llbitmap state area on one member: one byte per chunk, plus the 0xff filler mdadm leaves
// around it. Counting, runs, and the filler check live here.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "block_device.h"
#include "llbitmap_geometry.h"
#include "llbitmap_state.h"

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

struct StateArea {
  std::vector<std::uint8_t> bytes;  // state byte of chunk i at bytes[i]
  // Derived once when the area is read, for every report that shows them.
  StateCounts counts;               // of `bytes`, in the layout the area was read with
  std::vector<StateRun> runs;       // of `bytes`
  // mdadm writes 0xff over the bitmap page at create; the kernel then writes the state bytes.
  // Upstream layout: bytes 256..1023 of the superblock page, and the rest of the last state page
  // after the last chunk, should still hold 0xff. (The RFC layout has no such expectation after
  // the last chunk: mdadm's filler covers page 0 only.)
  std::uint64_t gap_bytes = 0;             // bytes checked between superblock and states
  std::uint64_t gap_not_filler = 0;        // of those, not 0xff
  std::uint64_t tail_bytes = 0;            // bytes checked after the last chunk
  std::uint64_t tail_not_filler = 0;       // of those, not 0xff
  std::uint64_t first_bad_filler_offset = 0;  // absolute byte offset of the first damaged byte
};

Result<StateArea> read_state_area(BlockDevice& dev, const Geometry& g);

StateCounts count_states(std::span<const std::uint8_t> bytes, KernelVersion v);

std::vector<StateRun> state_runs(std::span<const std::uint8_t> bytes);
// Runs of consecutive indices in an ascending list (the value is unused: 0).
std::vector<StateRun> index_runs(std::span<const std::uint64_t> ascending);

}  // namespace llb
