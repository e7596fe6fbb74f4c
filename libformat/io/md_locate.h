#pragma once
// Where v1.x superblocks live on a member: 1.0 at the end (at least 8 KiB before it, 4 KiB
// aligned), 1.1 at byte 0, 1.2 at byte 4096. Finding one means reading all three places.

#include <cstdint>
#include <vector>

#include "libformat/io/block_device.h"
#include "libformat/codec/md_superblock.h"

namespace llb {

struct LocatedMdSuperblock {
  int minor_version = 2;             // 0, 1 or 2 for metadata 1.0, 1.1, 1.2
  std::uint64_t offset_bytes = 0;    // where it was read
  MdSuperblock sb;
  std::uint32_t computed_csum = 0;   // calc_sb_1_csum over the bytes read
  bool checksum_ok() const { return computed_csum == sb.sb_csum; }
};

// The sector where a 1.<minor> superblock sits on a device of `device_sectors` sectors.
std::uint64_t md_sb_offset_sectors(int minor_version, std::uint64_t device_sectors);

// Reads and decodes the superblock at the 1.<minor> place. NotFound when the magic is absent;
// BadField when super_offset disagrees with where it was found (a stale copy).
Result<LocatedMdSuperblock> read_md_superblock_at(BlockDevice& dev, int minor_version);

// Tries 1.2, 1.1 and 1.0 and returns the valid one; with several, the newest ctime wins, as
// mdadm chooses. NotFound when none is there. `others` receives the outcome of each other place.
Result<LocatedMdSuperblock> locate_md_superblock(BlockDevice& dev,
                                                 std::vector<Status>* others = nullptr);

}  // namespace llb
