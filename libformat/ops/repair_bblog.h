#pragma once
// Repair of the bad-block log that mdadm 4.6 places inside the llbitmap's state bytes
// (docs/findings/bblog-overlap.md): part of plan_repair, kept apart because it is a layout fix of
// the md superblock and its log, not a bitmap repair.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "libformat/ops/member.h"
#include "libformat/ops/repair.h"

namespace llb {

// What the log's repair asks of the rest of the plan for one member.
struct BblogRepair {
  // Chunks whose state bytes md's log page destroyed on this member: NeedSync on every member.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> lost;
  bool log_moved = false;  // the plan moves a declared log: its old place becomes state bytes
  std::uint64_t new_log_begin = 0, new_log_end = 0;  // where the plan writes the log page
};

// For a member whose bad-block log overlaps the llbitmap's state bytes:
// - not hit yet, the log empty (md feature bad-blocks clear: the kernel reads nothing there):
//   move it after the bitmap's reserved area (sb + bitmap_offset + sectors_reserved), or remove
//   it when that leaves no room before the data, as `mdadm --update=no-bbl` does (the md
//   superblock's bblog_offset/bblog_size and its checksum);
// - already hit: rebuild the log from the entries md wrote that are still there (in blocks the
//   llbitmap has not written over, and, after an interrupted run, the page an earlier run wrote
//   at the new place), write it at the new place first, let the caller mark the chunks whose
//   states md's log destroyed NeedSync on every member (`out.lost`), and point the superblock at
//   the new log last, with the bad-blocks feature set only when entries remain. Entries that the
//   llbitmap's state blocks overwrote cannot be read back: that is reported.
void plan_bblog_move(const Member& m, BlockDevice& dev, std::size_t index, RepairPlan& plan,
                     BblogRepair& out);

}  // namespace llb
