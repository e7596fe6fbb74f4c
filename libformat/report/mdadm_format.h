#pragma once
// Text the way mdadm prints it, so that a storage engineer's eye and scripts find what they know:
// `mdadm --examine` lines for a v1.x superblock, and mdadm's human-readable sizes.

#include <cstdint>
#include <string>

#include "libformat/codec/md_superblock.h"

namespace llb {

// mdadm's human_size(): "" below 5000 KiB, else " (127.00 MiB 133.17 MB)" or the GiB/TiB form.
std::string mdadm_human_size(std::uint64_t bytes);
// ctime()-style "Mon Nov 23 23:25:14 2026" (local time) of the low 40 bits of an md time field.
std::string mdadm_time(std::uint64_t md_time);

// The lines `mdadm --examine` prints for this superblock, after the "<device>:" line.
// `device_sectors` is the member size; `bitmap_bytes` the bitmap size mdadm computes (for the
// "Unused Space" line), from the bitmap superblock when there is one.
std::string mdadm_examine_text(const MdSuperblock& sb, std::uint64_t device_sectors,
                               std::uint32_t computed_csum, std::uint64_t bitmap_sectors);

// mdadm's calc_bitmap_size(bms, 4096) >> 9 for a classic-style reading of any bitmap superblock.
std::uint64_t mdadm_bitmap_sectors(std::uint64_t sync_size, std::uint32_t chunksize);

}  // namespace llb
