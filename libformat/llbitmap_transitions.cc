#include "llbitmap_transitions.h"

#include <array>

namespace llb {
namespace {

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

}  // namespace

int action_count(KernelVersion v) {
  return v == KernelVersion::Upstream ? kUpstreamActionCount : kRfcActionCount;
}

std::string_view action_name(Action a) {
  static constexpr std::array<std::string_view, 10> kNames = {
      "Startwrite", "Startsync", "Endsync", "Abortsync", "Reload",
      "Daemon",     "Discard",   "Stale",   "ProactiveSync", "ClearUnwritten"};
  return kNames[static_cast<std::size_t>(a)];
}

std::uint8_t transition(KernelVersion v, State state, Action action) {
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
