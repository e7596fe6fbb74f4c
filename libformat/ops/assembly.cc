#include "libformat/ops/assembly.h"

#include <array>

#include "libformat/codec/kernel_profile.h"

#include "libformat/codec/llbitmap_transitions.h"

namespace llb {

std::string_view load_action_name(LoadAction a) {
  switch (a) {
    case LoadAction::Reload: return "reload";
    case LoadAction::Stale: return "stale";
    case LoadAction::FirstUseInit: return "first-use-init";
    case LoadAction::Refused: return "refused";
    case LoadAction::NoBitmap: return "no-bitmap";
  }
  return "unknown";
}

std::uint64_t apply_load(KernelVersion version, bool stale, std::vector<std::uint8_t>& states) {
  // What the load does to each of the 256 byte values, then one table lookup per chunk.
  const Action action = stale ? Action::Stale : Action::Reload;
  std::array<std::uint8_t, 256> next{};
  std::array<std::uint8_t, 256> invalid{};
  for (int b = 0; b < 256; ++b) {
    const auto byte = static_cast<std::uint8_t>(b);
    if (!is_valid_state(byte, version)) {
      next[b] = static_cast<std::uint8_t>(State::NeedSync);
      invalid[b] = 1;
      continue;
    }
    const std::uint8_t t = transition(version, static_cast<State>(byte), action);
    next[b] = t != kBitNone ? t : byte;
  }
  std::uint64_t forced = 0;
  for (std::uint8_t& b : states) {
    forced += invalid[b];
    b = next[b];
  }
  return forced;
}

bool chunk_needs_sync(KernelVersion version, std::uint8_t state, bool degraded) {
  switch (static_cast<State>(state)) {
    case State::NeedSync:
    case State::Syncing:
      return true;
    case State::Dirty:
      // Upstream turns Dirty into Syncing on Startsync when degraded; the RFC does not.
      return degraded && kernel_profile(version).degraded_recovers_dirty;
    default:
      return false;
  }
}

bool roles_complete(const MdSuperblock& sb) {
  for (std::uint32_t role = 0; role < sb.raid_disks; ++role) {
    bool found = false;
    for (std::uint16_t r : sb.dev_roles) found = found || r == role;
    if (!found) return false;
  }
  return true;
}

AssemblyPlan predict_assembly(const Member& m, bool degraded) {
  AssemblyPlan p;
  p.degraded = degraded;
  if (!m.has_bitmap || !m.lockless) {
    p.action = LoadAction::NoBitmap;
    p.explanation = "no lockless bitmap: a crash means a full resync";
    return p;
  }
  const Geometry* g = m.geometry ? &*m.geometry : nullptr;
  if (!m.verdict || !m.verdict->loadable || !g || !m.states) {
    p.action = LoadAction::Refused;
    p.explanation = "the kernel would refuse this bitmap, and the array would not start with it";
    return p;
  }
  p.full_sync_bytes = g->resync_sectors * 512;
  if (m.verdict->first_use) {
    p.action = LoadAction::FirstUseInit;
    p.states_after_load.assign(g->chunks, static_cast<std::uint8_t>(
                                              m.verdict->assume_clean ? State::Clean
                                                                      : State::Unwritten));
    p.explanation = m.verdict->assume_clean
                        ? "first use: every chunk becomes Clean, nothing is resynced"
                        : "first use: every chunk becomes Unwritten, nothing is resynced";
    return p;
  }
  p.action = m.verdict->stale ? LoadAction::Stale : LoadAction::Reload;
  p.states_after_load = m.states->bytes;
  p.invalid_forced = apply_load(m.layout, m.verdict->stale, p.states_after_load);
  std::array<bool, 256> needs{};
  for (int b = 0; b < 256; ++b) {
    needs[b] = chunk_needs_sync(m.layout, static_cast<std::uint8_t>(b), degraded);
  }
  const std::vector<std::uint8_t>& after = p.states_after_load;
  for (std::uint64_t c = 0; c < after.size(); ++c) {
    if (!needs[after[c]]) continue;
    ++p.sync_chunks;
    p.sync_bytes += g->chunk_sectors(c) * 512;
    if (!p.sync_runs.empty() && p.sync_runs.back().last + 1 == c) {
      p.sync_runs.back().last = c;
    } else {
      p.sync_runs.push_back({c, c, after[c]});
    }
  }
  if (p.action == LoadAction::Stale) {
    p.explanation = "bitmap events are behind the array's: the Stale action marks every written "
                    "chunk NeedSync";
  } else {
    p.explanation = "Reload: Dirty and Syncing chunks become NeedSync and are resynced";
  }
  if (degraded) {
    p.explanation += "; the array is degraded, so the chunks are recovered when a member is re-added";
  }
  return p;
}

}  // namespace llb
