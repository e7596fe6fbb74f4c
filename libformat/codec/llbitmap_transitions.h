#pragma once
// The llbitmap state machine as data: next state for (state, action), or kBitNone for "no change".
// Two tables, transcribed cell by cell from the two kernel versions:
//  - upstream: `state_machine[BitStateCount][BitmapActionCount]` in Linux 7.2 md-llbitmap.c
//    (8 states x 10 actions);
//  - rfc: the January 2025 RFC's `state_machine[nr_llbitmap_state][nr_llbitmap_action]`
//    (5 states x 8 actions).
// The extra rules the kernel applies around the table (degraded arrays, raid456, invalid bytes)
// live with the code that models them, not here.

#include <array>
#include <cstdint>
#include <string_view>

#include "libformat/codec/llbitmap_state.h"

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

namespace transition_tables {

constexpr std::uint8_t X = kBitNone;
constexpr std::uint8_t U = 0, C = 1, D = 2, N = 3, S = 4, NU = 5, SU = 6, CU = 7;

// Rows: Unwritten, Clean, Dirty, NeedSync, Syncing, NeedSyncUnwritten, SyncingUnwritten,
// CleanUnwritten. Columns: Startwrite, Startsync, Endsync, Abortsync, Reload, Daemon, Discard,
// Stale, ProactiveSync, ClearUnwritten.
constexpr std::array<std::array<std::uint8_t, 10>, 8> kUpstream = {{
    /* Unwritten */         {D, X, X, X, X, X, X, X, NU, X},
    /* Clean */             {D, X, X, X, X, X, U, N, X, X},
    /* Dirty */             {X, X, X, X, N, C, U, N, X, X},
    /* NeedSync */          {X, S, X, X, X, X, U, X, X, X},
    /* Syncing */           {X, S, D, N, N, X, U, N, X, X},
    /* NeedSyncUnwritten */ {N, SU, X, U, U, X, U, U, X, U},
    /* SyncingUnwritten */  {S, SU, CU, U, U, X, U, U, X, U},
    /* CleanUnwritten */    {D, X, X, X, X, X, U, U, X, U},
}};

// Rows: Unwritten, Clean, Dirty, NeedSync, Syncing. Columns: Startwrite, Startsync, Endsync,
// Abortsync, Reload, Daemon, Discard, Stale.
constexpr std::array<std::array<std::uint8_t, 8>, 5> kRfc = {{
    /* Unwritten */ {D, X, X, X, X, X, X, X},
    /* Clean */     {D, X, X, X, X, X, U, N},
    /* Dirty */     {X, X, X, X, N, C, U, N},
    /* NeedSync */  {X, S, X, X, X, X, U, X},
    /* Syncing */   {X, S, D, N, N, X, U, N},
}};

}  // namespace transition_tables

// Next state per the table of kernel version `v`, or kBitNone when the cell is "x" or the state
// or action does not exist in that version.
constexpr std::uint8_t transition(KernelVersion v, State state, Action action) {
  using namespace transition_tables;
  auto s = static_cast<std::size_t>(state);
  auto a = static_cast<std::size_t>(action);
  if (v == KernelVersion::Upstream) {
    if (s >= kUpstream.size() || a >= kUpstream[0].size()) return X;
    return kUpstream[s][a];
  }
  if (s >= kRfc.size() || a >= kRfc[0].size()) return X;
  return kRfc[s][a];
}

}  // namespace llb
