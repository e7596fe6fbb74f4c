#pragma once
// Repair of the bad-block log that mdadm 4.6 places inside the llbitmap's state bytes
// (docs/findings/bblog-overlap.md): part of plan_repair, kept apart because it is a layout fix of
// the md superblock, not a bitmap repair.

#include <cstddef>

#include "libformat/ops/member.h"
#include "libformat/ops/repair.h"

namespace llb {

// For a member whose bad-block log overlaps the llbitmap's state area: while the log holds no bad
// block (the md feature bad-blocks clear, so the kernel reads nothing there), move it after the
// bitmap's reserved area (sb + bitmap_offset + sectors_reserved), or remove it when that leaves no
// room before the data, as `mdadm --update=no-bbl` does: a change of the md superblock's
// bblog_offset/bblog_size and its checksum. A log that holds bad blocks is reported, not moved.
void plan_bblog_move(const Member& m, std::size_t index, RepairPlan& plan);

}  // namespace llb
