#pragma once
// Geometry of an llbitmap: chunk size (stored in sectors), chunk shift, number of chunks, and the
// mapping array sector <-> chunk <-> state-byte offset on a member.

#include <cstdint>

#include "libformat/codec/llbitmap_state.h"
#include "libformat/codec/status.h"

namespace llb {

struct MdSuperblock;
struct BitmapSuperblock;

inline constexpr std::uint32_t kMinChunkSectors = 128;  // MIN_CHUNK_SIZE: 64 KiB
inline constexpr std::uint32_t kDefaultDaemonSleep = 30;
inline constexpr std::uint32_t kDefaultBarrierIdle = 5;
inline constexpr std::uint32_t kDefaultSectorsReserved = 256;  // mdadm reserves 128 KiB

struct Geometry {
  KernelVersion version = KernelVersion::Upstream;
  std::uint64_t resync_sectors = 0;      // sectors the bitmap covers (resync_max_sectors)
  std::uint32_t chunksize_sectors = 0;   // power of two
  std::uint32_t chunkshift = 0;          // log2(chunksize_sectors)
  std::uint64_t chunks = 0;              // ceil(resync_sectors / chunksize_sectors)
  std::uint64_t bitmap_offset_bytes = 0; // bitmap superblock, absolute on the member
  std::uint32_t data_offset_bytes = 0;   // chunk 0's state byte, relative to the superblock
  std::uint64_t reserved_bytes = 0;      // sectors_reserved * 512

  std::uint64_t chunk_bytes() const { return std::uint64_t{chunksize_sectors} * 512; }
  std::uint64_t chunk_of_sector(std::uint64_t array_sector) const {
    return array_sector >> chunkshift;
  }
  std::uint64_t chunk_start_sector(std::uint64_t chunk) const { return chunk << chunkshift; }
  // Sectors of data behind `chunk`: the last chunk may be partial.
  std::uint64_t chunk_sectors(std::uint64_t chunk) const;
  // Absolute byte offset of chunk's state byte on the member.
  std::uint64_t state_byte_offset(std::uint64_t chunk) const {
    return bitmap_offset_bytes + data_offset_bytes + chunk;
  }
  // Bytes from the bitmap superblock to the end of the last page holding a state byte.
  std::uint64_t state_area_end_bytes() const;
  // 4 KiB pages the kernel caches (nr_pages in md-llbitmap.c).
  std::uint64_t pages() const { return (state_area_end_bytes()) / kBitmapPageBytes; }
  // Chunks whose state bytes share one logical block of `io_size` bytes with `chunk`.
  std::uint64_t block_first_chunk(std::uint64_t chunk, std::uint32_t io_size) const;
};

// The sectors a RAID level resyncs (mddev->resync_max_sectors): the member size for RAID1/4/5/6,
// the array size for RAID10.
std::uint64_t resync_max_sectors(const MdSuperblock& md);

// llbitmap_init's choice: start at 64 KiB and double while chunks exceed the reserved bytes.
std::uint32_t initial_chunksize_sectors(std::uint64_t resync_sectors,
                                        std::uint32_t space_sectors);

// Geometry of an existing bitmap, from its superblock. Fails when chunksize is not a power of
// two or is zero (the caller reports the kernel's own check separately).
Result<Geometry> geometry_from_superblocks(const MdSuperblock& md, std::uint64_t md_offset_bytes,
                                           const BitmapSuperblock& bsb, KernelVersion version,
                                           const std::string& device);

// Geometry the kernel will set up on first use (FIRST_USE), from the md superblock alone.
Geometry first_use_geometry(const MdSuperblock& md, std::uint64_t md_offset_bytes,
                            std::uint32_t sectors_reserved, KernelVersion version);

}  // namespace llb
