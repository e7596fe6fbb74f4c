#pragma once
// Where v1.x superblocks live on a member: 1.0 at the end (at least 8 KiB before it, 4 KiB
// aligned), 1.1 at byte 0, 1.2 at byte 4096. Finding one means reading all three places.

#include <cstdint>
#include <vector>

#include "libformat/io/block_device.h"
#include "libformat/codec/md_superblock.h"

namespace llb {

// Reads and decodes the superblock at the 1.<minor> place. NotFound when the magic is absent;
// BadField when super_offset disagrees with where it was found (a stale copy).
Result<LocatedMdSuperblock> read_md_superblock_at(BlockDevice& dev, int minor_version);

// Tries 1.2, 1.1 and 1.0 and returns the valid one; with several, the newest ctime wins, as
// mdadm chooses. NotFound when none is there. `others` receives the outcome of each other place.
Result<LocatedMdSuperblock> locate_md_superblock(BlockDevice& dev,
                                                 std::vector<Status>* others = nullptr);

}  // namespace llb
