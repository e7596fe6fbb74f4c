#pragma once
// Making md v1.2 members with an llbitmap, the way `mdadm --create --bitmap=lockless` and the
// kernel's first assembly leave them. Used by llbitmap-create, the simulator's image export and
// the tests' fixture builders.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/codec/llbitmap_geometry.h"
#include "libformat/codec/md_superblock.h"

namespace llb {

struct ArraySpec {
  std::array<std::uint8_t, 16> array_uuid{};
  std::string name = "llbitmap:0";       // md set_name ("host:name")
  std::int32_t level = 1;
  std::uint32_t raid_disks = 2;
  std::uint64_t member_size_bytes = 0;   // every member the same size
  std::uint64_t data_offset_sectors = 2048;
  std::uint32_t logical_block_size = 512;  // md superblock logical_block_size
  KernelVersion layout = KernelVersion::Upstream;
  std::uint64_t ctime_seconds = 0;
  bool assume_clean = false;
  // Where the bad-block log goes. Mdadm46: where mdadm 4.6 puts it, sb + 16 sectors, after a
  // one-page classic bitmap: inside the llbitmap's state bytes of any array over 3072 chunks
  // (docs/findings/bblog-overlap.md); the simulator models mdadm, so it keeps this. AfterBitmap:
  // after the whole area the llbitmap reserves (sb + 8 + 256 sectors), llbitmap-create's choice;
  // no log when that leaves no room before the data.
  enum class BblogPlacement { Mdadm46, AfterBitmap } bblog = BblogPlacement::Mdadm46;
};

// What the bitmap looks like on disk after creation.
enum class BitmapInit {
  Placeholder,  // as mdadm writes it: FIRST_USE set, placeholder chunksize, 0xff filler
  Initialised,  // as the kernel leaves it after first assembly and stop: real geometry, states
};

struct MemberSpec {
  std::uint32_t dev_number = 0;
  std::uint16_t role = 0;                   // or kRoleSpare / kRoleFaulty
  std::array<std::uint8_t, 16> device_uuid{};
};

// The data offset mdadm 4.6 chooses for a v1.1/1.2 RAID1 member of this many sectors
// (super1.c validate_geometry1): 12 KiB of metadata, the bitmap space it reserves (4 KiB, 64 KiB
// above 8 GiB, 128 KiB above 200 GiB) and a reshape headroom of about 0.1% of the device (at
// most 128 MiB), rounded up to 1 MiB: 2048 sectors up to 512 MiB members, 18432 for 9 GiB.
std::uint64_t mdadm_data_offset_sectors(std::uint64_t device_sectors);

// The md superblock of one member (sb_csum filled in).
MdSuperblock make_md_superblock(const ArraySpec& spec, const MemberSpec& member,
                                std::uint64_t events);
// The bitmap superblock for `init` (placeholder fields as mdadm 4.6 writes them, or the
// kernel's after first use).
BitmapSuperblock make_bitmap_superblock(const ArraySpec& spec, BitmapInit init,
                                        std::uint64_t events);
// mdadm's create-time placeholder for an existing array's md superblock (FIRST_USE, placeholder
// chunksize and daemon_sleep, events equal to the md events), for adding an llbitmap to it.
BitmapSuperblock placeholder_for_md(const MdSuperblock& md, KernelVersion layout,
                                    bool assume_clean);
// Geometry of an initialised bitmap for this array.
Geometry spec_geometry(const ArraySpec& spec);

// Bytes of the bitmap page(s) as written: superblock, filler and states, from the superblock on.
std::vector<std::uint8_t> encode_bitmap_area(const BitmapSuperblock& bsb, const Geometry& g,
                                             const std::vector<std::uint8_t>& states);

}  // namespace llb
