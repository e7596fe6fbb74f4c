#pragma once
// Seeded random workloads: one seed derives every choice, so a workload is named by its seed.

#include <cstdint>

#include "sim/workload/trace.h"

namespace llb::sim {

struct WorkloadOptions {
  std::uint32_t members = 2;
  std::uint64_t member_size_bytes = 64ull << 20;
  std::uint32_t logical_block_size = 512;
  std::uint32_t ops = 40;             // operations between create and the final crash
  std::uint32_t max_write_kib = 256;
  bool discards = true;
  bool failures = true;               // fail / re-add members
  bool knob_changes = true;
  bool async = true;                  // some writes overlap
  bool crash_at_end = true;           // crash, then assemble and wait for the resync
  std::uint32_t hot_chunks = 0;       // if set, writes stay within this many chunks
  // Some quiet moments become a media error on a member found by the next write over it (md
  // then records bad blocks). Off by default: a workload's other choices do not depend on it.
  // With it, members are not failed and re-added (see random_workload.cc).
  bool media_errors = false;
  // If set, no wait is longer than this (the draws are unchanged: a capped workload makes the
  // same choices as the uncapped one). For runs on the real kernel, where waits cost real time.
  std::uint32_t max_wait_ms = 0;
};

Trace random_workload(std::uint64_t seed, const WorkloadOptions& options);

}  // namespace llb::sim
