#pragma once
// The kernel's checks of a version-6 bitmap superblock (llbitmap_read_sb), each as its own named
// outcome, so tools can say exactly why the kernel would refuse, re-initialise or distrust it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/codec/llbitmap_state.h"
#include "libformat/codec/md_superblock.h"

namespace llb {

enum class BitmapCheck : std::uint8_t {
  BadMagic,                // refuses: magic is not "bitm"
  BadVersion,              // refuses: version is not 6
  UuidMismatch,            // refuses: uuid differs from the array's
  FirstUse,                // re-initialises every chunk (mdadm's create-time placeholder)
  ChunksizeNotPowerOfTwo,  // refuses
  ChunksizeTooSmall,       // refuses: more chunks than reserved bytes
  DaemonSleepOutOfRange,   // refuses: 0 (or beyond MAX_SCHEDULE_TIMEOUT / HZ)
  Stale,                   // events behind the md superblock: Stale action, everything resynced
  WriteBehind,             // warning only: the kernel ignores write-behind for llbitmap
  SyncSizeMismatch,        // warning only: sync_size differs from what the array resyncs
};
std::string_view bitmap_check_name(BitmapCheck c);  // "ChunksizeTooSmall"
bool bitmap_check_refuses(BitmapCheck c);           // the kernel would fail to load the bitmap

struct BitmapFinding {
  BitmapCheck check;
  std::string message;  // names device, field, value and expectation
};

struct BitmapVerdict {
  std::vector<BitmapFinding> findings;
  bool loadable = true;      // no refusing finding
  bool first_use = false;    // kernel will initialise the states (Unwritten, or Clean)
  bool assume_clean = false; // first use with the CLEAN flag: every chunk starts Clean
  bool stale = false;        // kernel takes the Stale action instead of Reload
  bool has(BitmapCheck c) const;
};

// The bitmap space the kernel assumes (mddev->bitmap_info.space), in sectors.
std::uint32_t bitmap_space_sectors(const MdSuperblock& md, int md_minor_version,
                                   const BitmapSuperblock& bsb);

BitmapVerdict validate_llbitmap(const BitmapSuperblock& bsb, const MdSuperblock& md,
                                int md_minor_version, KernelVersion version,
                                const std::string& device, std::uint64_t bitmap_offset_bytes);

}  // namespace llb
