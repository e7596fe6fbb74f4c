#pragma once
// A member's table of bad blocks as md keeps it in memory (block/badblocks.c, rdev->badblocks):
// sorted, non-overlapping ranges of absolute member sectors, each at most BB_MAX_LEN long and at
// most one page of them (MAX_BADBLOCKS). md records a range when a write fails and its retry of
// each block fails too (raid1's narrow_write_error), or when userspace writes the sysfs file
// bad_blocks; super_1_sync writes the table to the member's bad-block log at the next superblock
// update (0xff, then the entries), and super_1_load reads it back at assembly.

#include <cstdint>
#include <vector>

#include "libformat/codec/bad_block_log.h"

namespace llb::sim {

class BadBlockTable {
 public:
  // Whether the member can record bad blocks at all: its superblock names a log (bblog_offset
  // not 0; the kernel's badblocks.shift >= 0).
  bool enabled() const { return enabled_; }
  void set_enabled(bool on) { enabled_ = on; }
  // badblocks.shift: the superblock's bblog_shift when super_1_load read a log (it refuses 64 or
  // more), else 0.
  unsigned shift() const { return shift_; }
  void set_shift(unsigned s) { shift_ = s < 64 ? s : 0; }

  // badblocks_set: merges [sector, sector + sectors) into the table. False when the table would
  // need more than one page of entries (then md fails the member instead).
  bool set(std::uint64_t sector, std::uint64_t sectors);
  // Whether any recorded range overlaps [sector, sector + sectors).
  bool overlaps(std::uint64_t sector, std::uint64_t sectors) const;

  const std::vector<BadBlock>& entries() const { return entries_; }
  std::size_t count() const { return entries_.size(); }
  // Set by every change, cleared when super_1_sync encodes the table for writing.
  bool changed() const { return changed_; }
  void clear_changed() { changed_ = false; }

  // The table super_1_load builds from a log (entries already validated by the caller).
  void load(const std::vector<BadBlock>& entries);
  void clear() {
    entries_.clear();
    changed_ = false;
    shift_ = 0;
  }

 private:
  std::vector<BadBlock> entries_;
  bool enabled_ = false;
  bool changed_ = false;
  unsigned shift_ = 0;
};

}  // namespace llb::sim
