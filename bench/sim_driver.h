#pragma once
// Driving the simulator's array directly from a benchmark (no trace parsing): the array created
// and past its initial resync, and the random writes sim_bench and unplug_cost_bench issue.

#include <cstdint>

#include "sim/core/prng.h"
#include "sim/md/md_array.h"

namespace llb::bench {

// The driver's own draws (n < 2^32): multiply-shift, without the divisions of unbiased rejection
// sampling (the bias, below 2^-17 here, does not matter for picking offsets), so the driver's
// cost stays out of the simulator's figures as far as it can.
inline std::uint64_t draw_below(sim::Prng& p, std::uint64_t n) {
  return ((p.next() >> 32) * n) >> 32;
}

// Creates the array, runs its initial resync to the end and clears what finished.
inline void create_and_settle(sim::MdArray& a) {
  a.set_timeline_enabled(false);
  const sim::JobId c = a.create(false);
  a.run_until_done(c, sim::kTicksPerSecond * 10);
  a.release(c);
  while (a.sync_running()) a.step();
  a.collect_finished(true);
}

// A random write of 4 KiB to max_len_4k x 4 KiB at a 4 KiB-aligned array offset.
struct RandomWrite {
  std::uint64_t sector = 0;
  std::uint32_t sectors = 0;
};
inline RandomWrite random_write(sim::Prng& p, std::uint64_t array_sectors,
                                std::uint64_t max_len_4k) {
  RandomWrite w;
  w.sectors = static_cast<std::uint32_t>(8 * (1 + draw_below(p, max_len_4k)));
  w.sector = draw_below(p, (array_sectors - w.sectors) / 8) * 8;
  return w;
}

}  // namespace llb::bench
