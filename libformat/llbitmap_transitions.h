#pragma once
// The llbitmap state machine as data: next state for (state, action), or kBitNone for "no change".
// Two tables, transcribed cell by cell from the two kernel versions:
//  - upstream: `state_machine[BitStateCount][BitmapActionCount]` in Linux 7.2 md-llbitmap.c
//    (8 states x 10 actions);
//  - rfc: the January 2025 RFC's `state_machine[nr_llbitmap_state][nr_llbitmap_action]`
//    (5 states x 8 actions).
// The extra rules the kernel applies around the table (degraded arrays, raid456, invalid bytes)
// live with the code that models them, not here.

#include <cstdint>
#include <string_view>

#include "llbitmap_state.h"

namespace llb {

enum class Action : std::uint8_t {
  Startwrite = 0,   // user write: the only action on the I/O fast path
  Startsync,        // resync/recovery reaches the chunk
  Endsync,          // resync finished
  Abortsync,        // resync failed or was interrupted
  Reload,           // array assembled again
  Daemon,           // daemon clears dirty bits
  Discard,          // data discarded
  Stale,            // bitmap older than the array: everything written needs sync
  ProactiveSync,    // raid456 only (upstream)
  ClearUnwritten,   // before recovery, CleanUnwritten -> Unwritten (upstream)
};
inline constexpr int kUpstreamActionCount = 10;
inline constexpr int kRfcActionCount = 8;

int action_count(KernelVersion v);
std::string_view action_name(Action a);  // "Startwrite"

// Next state per the table of kernel version `v`, or kBitNone when the cell is "x". `state` must
// be a valid state of `v` and `action` an action of `v`.
std::uint8_t transition(KernelVersion v, State state, Action action);

}  // namespace llb
