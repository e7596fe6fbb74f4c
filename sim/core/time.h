#pragma once
// Simulated time: an integer count of ticks. One tick is one microsecond, fine enough for disk
// latencies and coarse enough that a day fits easily in 64 bits. The kernel's jiffies (HZ=250 in
// the real-kernel harness's config) are whole multiples of it.

#include <cstdint>

namespace llb::sim {

using Tick = std::uint64_t;
inline constexpr Tick kTicksPerUs = 1;
inline constexpr Tick kTicksPerMs = 1000;
inline constexpr Tick kTicksPerSecond = 1000 * kTicksPerMs;
inline constexpr Tick kHz = 250;                            // CONFIG_HZ of the harness's kernel
inline constexpr Tick kTicksPerJiffy = kTicksPerSecond / kHz;  // 4 ms
inline constexpr Tick kNever = ~Tick{0};

}  // namespace llb::sim
