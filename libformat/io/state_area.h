#pragma once
// The llbitmap state area on one member, read from its device: one byte per chunk, plus the 0xff
// filler mdadm leaves around it, checked here.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "libformat/io/block_device.h"
#include "libformat/codec/llbitmap_geometry.h"
#include "libformat/codec/llbitmap_state.h"
#include "libformat/codec/state_runs.h"

namespace llb {

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

}  // namespace llb
