#include "libformat/codec/llbitmap_validate.h"

#include "libformat/codec/kernel_profile.h"

#include <algorithm>
#include <bit>

#include "libformat/codec/llbitmap_geometry.h"

namespace llb {

std::string_view bitmap_check_name(BitmapCheck c) {
  switch (c) {
    case BitmapCheck::BadMagic: return "BadMagic";
    case BitmapCheck::BadVersion: return "BadVersion";
    case BitmapCheck::UuidMismatch: return "UuidMismatch";
    case BitmapCheck::FirstUse: return "FirstUse";
    case BitmapCheck::ChunksizeNotPowerOfTwo: return "ChunksizeNotPowerOfTwo";
    case BitmapCheck::ChunksizeTooSmall: return "ChunksizeTooSmall";
    case BitmapCheck::DaemonSleepOutOfRange: return "DaemonSleepOutOfRange";
    case BitmapCheck::Stale: return "Stale";
    case BitmapCheck::WriteBehind: return "WriteBehind";
    case BitmapCheck::SyncSizeMismatch: return "SyncSizeMismatch";
  }
  return "Unknown";
}

bool bitmap_check_refuses(BitmapCheck c) {
  switch (c) {
    case BitmapCheck::BadMagic:
    case BitmapCheck::BadVersion:
    case BitmapCheck::UuidMismatch:
    case BitmapCheck::ChunksizeNotPowerOfTwo:
    case BitmapCheck::ChunksizeTooSmall:
    case BitmapCheck::DaemonSleepOutOfRange:
      return true;
    default:
      return false;
  }
}

bool BitmapVerdict::has(BitmapCheck c) const {
  return std::any_of(findings.begin(), findings.end(),
                     [c](const BitmapFinding& f) { return f.check == c; });
}

std::uint32_t bitmap_space_sectors(const MdSuperblock& md, int md_minor_version,
                                   const BitmapSuperblock& bsb) {
  if (md_minor_version == 0) {
    // 1.0: up to the superblock when the bitmap is before it, else to 4 KiB past it.
    return static_cast<std::uint32_t>(md.bitmap_offset > 0 ? 8 - md.bitmap_offset
                                                           : -md.bitmap_offset);
  }
  // 1.1 / 1.2: the kernel trusts sectors_reserved, else its default of 3 KiB.
  return bsb.sectors_reserved ? bsb.sectors_reserved : (4096 - 1024) / 512;
}

BitmapVerdict validate_llbitmap(const BitmapSuperblock& bsb, const MdSuperblock& md,
                                int md_minor_version, KernelVersion version,
                                const std::string& device, std::uint64_t bitmap_offset_bytes) {
  BitmapVerdict v;
  Where where{device, bitmap_offset_bytes, "bitmap superblock"};
  auto add = [&](BitmapCheck c, std::string msg) {
    v.findings.push_back({c, std::move(msg)});
    if (bitmap_check_refuses(c)) v.loadable = false;
  };
  auto msg = [&](std::string_view field, const std::string& value, const std::string& expected) {
    return field_error(Code::BadField, where, field, value, expected).message();
  };
  if (bsb.magic != kBitmapMagic) {
    add(BitmapCheck::BadMagic, msg("magic", hex(bsb.magic, 8), hex(kBitmapMagic, 8)));
  }
  if (bsb.version != kBitmapMajorLockless) {
    add(BitmapCheck::BadVersion,
        msg("version", std::to_string(bsb.version), "6 (lockless bitmap)"));
  }
  if (bsb.uuid != md.set_uuid) {
    add(BitmapCheck::UuidMismatch,
        msg("uuid", uuid_colon(bsb.uuid), uuid_colon(md.set_uuid) + " (the array UUID)"));
  }
  const KernelProfile& profile = kernel_profile(version);
  if (bsb.state & (1u << profile.first_use_bit)) {
    v.first_use = true;
    v.assume_clean = profile.honours_clean_flag && (bsb.state & (1u << kBitmapClean));
    add(BitmapCheck::FirstUse,
        str_cat(device, ": bitmap superblock state ", hex(bsb.state),
                " has FIRST_USE: the kernel ignores chunksize, daemon_sleep and events and "
                "initialises every chunk to ",
                v.assume_clean ? "Clean (created with --assume-clean)" : "Unwritten",
                " at the next assembly"));
    return v;  // the kernel skips the remaining checks on first use
  }
  if (bsb.chunksize == 0 || !std::has_single_bit(bsb.chunksize)) {
    add(BitmapCheck::ChunksizeNotPowerOfTwo,
        msg("chunksize", str_cat(bsb.chunksize, " sectors"), "a power of two"));
  } else {
    const std::uint64_t space_bytes =
        std::uint64_t{bitmap_space_sectors(md, md_minor_version, bsb)} * 512;
    const std::uint64_t resync = resync_max_sectors(md);
    const std::uint64_t min_chunk = space_bytes ? (resync + space_bytes - 1) / space_bytes : 0;
    if (bsb.chunksize < min_chunk) {
      add(BitmapCheck::ChunksizeTooSmall,
          msg("chunksize", str_cat(bsb.chunksize, " sectors"),
              str_cat("at least ", min_chunk, " (", resync, " sectors in ", space_bytes,
                      " reserved bytes)")));
    }
  }
  if (bsb.daemon_sleep < 1) {
    add(BitmapCheck::DaemonSleepOutOfRange,
        msg("daemon_sleep", std::to_string(bsb.daemon_sleep), "at least 1 second"));
  }
  if (bsb.events < md.events) {
    v.stale = true;
    add(BitmapCheck::Stale,
        msg("events", std::to_string(bsb.events),
            str_cat("at least the md superblock's ", md.events,
                    " (the kernel will mark every written chunk NeedSync)")));
  }
  if (bsb.write_behind != 0) {
    add(BitmapCheck::WriteBehind,
        msg("write_behind", std::to_string(bsb.write_behind), "0 (llbitmap ignores it)"));
  }
  if (bsb.sync_size != resync_max_sectors(md)) {
    add(BitmapCheck::SyncSizeMismatch,
        msg("sync_size", str_cat(bsb.sync_size, " sectors"),
            str_cat(resync_max_sectors(md), " (the array's resync size; the kernel rewrites it)")));
  }
  return v;
}

}  // namespace llb
