#pragma once
// Classic (version 3/4/5) write-intent bitmaps: one bit per chunk right after the 256-byte
// bitmap superblock, chunksize in BYTES. Enough to print what `mdadm -X` prints.

#include <cstdint>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/io/block_device.h"

namespace llb {

struct ClassicBitmapSummary {
  std::uint64_t chunks = 0;  // bits: ceil(sync_size * 512 / chunksize)
  std::uint64_t dirty = 0;   // set bits among them
};

// Reads the bits that follow the superblock at `bitmap_offset_bytes`. BadField when chunksize is 0.
Result<ClassicBitmapSummary> read_classic_bitmap(BlockDevice& dev,
                                                 std::uint64_t bitmap_offset_bytes,
                                                 const BitmapSuperblock& sb);

}  // namespace llb
