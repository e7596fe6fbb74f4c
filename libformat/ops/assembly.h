#pragma once
// What the kernel does with a member's bitmap when the array is assembled: it loads the bitmap
// (Reload, Stale, or first-use initialisation, or refuses it), then resyncs the chunks the loaded
// states ask for. Predicted from the bytes on disk, for both kernel versions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libformat/ops/member.h"
#include "libformat/io/state_area.h"

namespace llb {

enum class LoadAction { Reload, Stale, FirstUseInit, Refused, NoBitmap };
std::string_view load_action_name(LoadAction a);  // "reload", "stale", ...

struct AssemblyPlan {
  LoadAction action = LoadAction::NoBitmap;
  std::string explanation;
  bool degraded = false;                      // a role is missing: recovery, not resync
  std::vector<std::uint8_t> states_after_load;
  std::vector<StateRun> sync_runs;            // chunks the kernel will resync (or recover)
  std::uint64_t sync_chunks = 0;
  std::uint64_t sync_bytes = 0;               // bytes the kernel reads and writes per mirror
  std::uint64_t full_sync_bytes = 0;          // what a full resync would copy
  std::uint64_t invalid_forced = 0;           // invalid bytes turned into NeedSync
};

// Applies the load action of `version` to `states` (Reload, or Stale when `stale`); invalid bytes
// become NeedSync, as the kernel forces. Returns the number of invalid bytes.
std::uint64_t apply_load(KernelVersion version, bool stale, std::vector<std::uint8_t>& states);

// Chunks a sync pass visits after load: NeedSync and Syncing, plus Dirty when the array is
// degraded (recovery of a re-added member). Unwritten is always skipped.
bool chunk_needs_sync(KernelVersion version, std::uint8_t state, bool degraded);

// The plan for an array whose bitmap is read from `source`. `degraded` says whether a role has no
// in-sync member.
AssemblyPlan predict_assembly(const Member& source, bool degraded);

// Whether the md superblock's dev_roles show every role 0..raid_disks-1 held by a device.
bool roles_complete(const MdSuperblock& sb);

}  // namespace llb
