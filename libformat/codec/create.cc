#include "libformat/codec/create.h"

#include "libformat/codec/kernel_profile.h"

#include <algorithm>

namespace llb {

namespace {
constexpr std::uint32_t kMdadmPlaceholderDaemonSleep = 5;  // mdadm's DEFAULT_BITMAP_DELAY
constexpr std::int32_t kBitmapOffsetSectors = 8;           // 1.2: bitmap 4 KiB after the sb
constexpr std::int32_t kBblogOffsetSectors = 16;           // after mdadm's one-page bitmap
constexpr std::int32_t kBblogAfterBitmapSectors = kBitmapOffsetSectors + kDefaultSectorsReserved;
constexpr std::uint16_t kBblogSizeSectors = 8;

// mdadm's chunk choice for a classic bitmap in `room` sectors, used as the placeholder.
std::uint32_t mdadm_placeholder_chunk(std::uint64_t size_sectors, std::uint64_t room) {
  std::uint64_t max_bits = (room * 512 - kBitmapSbBytes) * 8;
  std::uint64_t min_chunk = 4096;
  std::uint64_t bits = size_sectors * 512 / min_chunk + 1;
  while (bits > max_bits) {
    min_chunk *= 2;
    bits = (bits + 1) / 2;
  }
  return static_cast<std::uint32_t>(std::max<std::uint64_t>(min_chunk, 64ull << 20));
}
// mdadm's FIRST_USE placeholder state, with CLEAN for --assume-clean where the kernel honours it.
std::uint32_t placeholder_state(const KernelProfile& p, bool assume_clean) {
  std::uint32_t state = 1u << p.first_use_bit;
  if (assume_clean && p.honours_clean_flag) state |= 1u << kBitmapClean;
  return state;
}
}  // namespace

std::uint64_t mdadm_data_offset_sectors(std::uint64_t device_sectors) {
  std::uint64_t bm_space = 0;  // choose_bm_space
  if (device_sectors >= 64 * 2) {
    if (device_sectors - 64 * 2 >= 200ull * 1024 * 1024 * 2) {
      bm_space = 128 * 2;
    } else if (device_sectors - 4 * 2 > 8ull * 1024 * 1024 * 2) {
      bm_space = 64 * 2;
    } else {
      bm_space = 4 * 2;
    }
  }
  // RAID1 has no chunk: the headroom halves while a KiB of it per sector exceeds the device.
  std::uint64_t headroom = 128 * 1024 * 2;
  while ((headroom << 10) > device_sectors && headroom > 1) headroom >>= 1;
  const std::uint64_t one_meg = 2 * 1024;
  return (12 * 2 + bm_space + headroom + one_meg - 1) / one_meg * one_meg;
}

MdSuperblock make_md_superblock(const ArraySpec& spec, const MemberSpec& member,
                                std::uint64_t events) {
  MdSuperblock sb;
  sb.feature_map = kFeatureBitmapOffset;
  sb.set_uuid = spec.array_uuid;
  std::copy_n(spec.name.begin(), std::min<std::size_t>(spec.name.size(), 31), sb.set_name.begin());
  sb.ctime = spec.ctime_seconds;
  sb.level = spec.level;
  const std::uint64_t dev_sectors = spec.member_size_bytes / 512;
  sb.data_offset = spec.data_offset_sectors;
  sb.data_size = dev_sectors - spec.data_offset_sectors;
  sb.size = sb.data_size;
  sb.raid_disks = spec.raid_disks;
  sb.bitmap_offset = kBitmapOffsetSectors;
  sb.super_offset = 8;
  sb.dev_number = member.dev_number;
  sb.device_uuid = member.device_uuid;
  if (spec.bblog == ArraySpec::BblogPlacement::Mdadm46) {
    sb.bblog_size = kBblogSizeSectors;
    sb.bblog_offset = kBblogOffsetSectors;
  } else if (sb.super_offset + kBblogAfterBitmapSectors + kBblogSizeSectors <= sb.data_offset) {
    sb.bblog_size = kBblogSizeSectors;
    sb.bblog_offset = kBblogAfterBitmapSectors;
  }
  sb.utime = spec.ctime_seconds;
  sb.events = events;
  sb.resync_offset = kMaxSector;
  sb.max_dev = 128;  // mdadm rounds the roles up to a 512-byte superblock
  sb.logical_block_size = spec.logical_block_size;
  sb.dev_roles.assign(sb.max_dev, kRoleSpare);
  for (std::uint32_t i = 0; i < spec.raid_disks && i < sb.max_dev; ++i) {
    sb.dev_roles[i] = static_cast<std::uint16_t>(i);
  }
  if (member.dev_number < sb.max_dev) sb.dev_roles[member.dev_number] = member.role;
  sb.tail.assign(kMdSbMaxBytes - sb.checksummed_bytes(), 0);
  sb.sb_csum = md_sb_checksum(sb);
  return sb;
}

Geometry spec_geometry(const ArraySpec& spec) {
  MdSuperblock sb = make_md_superblock(spec, MemberSpec{}, 0);
  return first_use_geometry(sb, 4096, kDefaultSectorsReserved, spec.layout);
}

BitmapSuperblock placeholder_for_md(const MdSuperblock& md, KernelVersion layout,
                                    bool assume_clean) {
  BitmapSuperblock b;
  b.version = kBitmapMajorLockless;
  b.uuid = md.set_uuid;
  b.events = md.events;
  b.sectors_reserved = kDefaultSectorsReserved;
  b.sync_size = resync_max_sectors(md);
  b.state = placeholder_state(kernel_profile(layout), assume_clean);
  b.chunksize = mdadm_placeholder_chunk(b.sync_size, kDefaultSectorsReserved);
  b.daemon_sleep = kMdadmPlaceholderDaemonSleep;
  return b;
}

BitmapSuperblock make_bitmap_superblock(const ArraySpec& spec, BitmapInit init,
                                        std::uint64_t events) {
  BitmapSuperblock b;
  b.version = kBitmapMajorLockless;
  b.uuid = spec.array_uuid;
  b.events = events;
  b.sectors_reserved = kDefaultSectorsReserved;
  const std::uint64_t size = spec.member_size_bytes / 512 - spec.data_offset_sectors;
  b.sync_size = size;
  if (init == BitmapInit::Placeholder) {
    b.state = placeholder_state(kernel_profile(spec.layout), spec.assume_clean);
    b.chunksize = mdadm_placeholder_chunk(size, kDefaultSectorsReserved);
    b.daemon_sleep = kMdadmPlaceholderDaemonSleep;
  } else {
    b.chunksize = spec_geometry(spec).chunksize_sectors;
    b.daemon_sleep = kDefaultDaemonSleep;
  }
  return b;
}

std::vector<std::uint8_t> encode_bitmap_area(const BitmapSuperblock& bsb, const Geometry& g,
                                             const std::vector<std::uint8_t>& states) {
  // mdadm fills the superblock page with 0xff; the upstream kernel's pages beyond it start
  // as whatever was on disk, zero on a new device. The RFC keeps states from page 1 on.
  std::vector<std::uint8_t> area(g.state_area_end_bytes(), 0);
  std::fill(area.begin(), area.begin() + kBitmapPageBytes, 0xff);
  if (kernel_profile(g.version).filler_after_states) {
    std::fill(area.begin() + static_cast<std::ptrdiff_t>(g.data_offset_bytes + states.size()),
              area.end(), 0xff);
  }
  (void)encode_bitmap_superblock(bsb, area);
  std::copy(states.begin(), states.end(), area.begin() + g.data_offset_bytes);
  return area;
}

}  // namespace llb
