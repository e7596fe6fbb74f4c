#include "libformat/codec/md_superblock.h"

#include <algorithm>
#include <cstring>

#include "libformat/codec/endian.h"

namespace llb {

std::uint16_t MdSuperblock::role() const {
  if (dev_number >= max_dev || dev_number >= dev_roles.size()) return kRoleSpare;
  return dev_roles[dev_number];
}

Result<MdSuperblock> decode_md_superblock(std::span<const std::uint8_t> b, const Where& where) {
  using namespace mdsb;
  if (b.size() < kMdSbFixedBytes) {
    return Status(Code::ShortRead, str_cat(where.device, ": ", where.record, " at byte ",
                                           where.offset_bytes, ": only ", b.size(),
                                           " bytes, a v1.x superblock needs 256"));
  }
  MdSuperblock sb;
  sb.magic = get_le32(b, kMagic);
  if (sb.magic != kMdSbMagic) {
    return field_error(Code::BadMagic, where, "magic", hex(sb.magic, 8), hex(kMdSbMagic, 8));
  }
  sb.major_version = get_le32(b, kMajorVersion);
  if (sb.major_version != 1) {
    return field_error(Code::BadVersion, where, "major_version", std::to_string(sb.major_version),
                       "1 (v1.x metadata)");
  }
  sb.max_dev = get_le32(b, kMaxDev);
  if (sb.max_dev > kMdSbMaxDev) {
    return field_error(Code::BadField, where, "max_dev", std::to_string(sb.max_dev),
                       str_cat("at most ", kMdSbMaxDev));
  }
  if (sb.checksummed_bytes() > b.size()) {
    return field_error(Code::ShortRead, where, "max_dev", std::to_string(sb.max_dev),
                       str_cat("at most ", (b.size() - kMdSbFixedBytes) / 2,
                               " for the bytes read"));
  }
  sb.feature_map = get_le32(b, kFeatureMap);
  sb.pad0 = get_le32(b, kPad0);
  std::copy_n(b.begin() + kSetUuid, 16, sb.set_uuid.begin());
  std::copy_n(b.begin() + kSetName, 32, sb.set_name.begin());
  sb.ctime = get_le64(b, kCtime);
  sb.level = static_cast<std::int32_t>(get_le32(b, kLevel));
  sb.layout = get_le32(b, kLayout);
  sb.size = get_le64(b, kSize);
  sb.chunksize = get_le32(b, kChunksize);
  sb.raid_disks = get_le32(b, kRaidDisks);
  sb.bitmap_offset = static_cast<std::int32_t>(get_le32(b, kBitmapOffset));
  sb.new_level = get_le32(b, kNewLevel);
  sb.reshape_position = get_le64(b, kReshapePosition);
  sb.delta_disks = static_cast<std::int32_t>(get_le32(b, kDeltaDisks));
  sb.new_layout = get_le32(b, kNewLayout);
  sb.new_chunk = get_le32(b, kNewChunk);
  sb.new_offset = static_cast<std::int32_t>(get_le32(b, kNewOffset));
  sb.data_offset = get_le64(b, kDataOffset);
  sb.data_size = get_le64(b, kDataSize);
  sb.super_offset = get_le64(b, kSuperOffset);
  sb.recovery_offset = get_le64(b, kRecoveryOffset);
  sb.dev_number = get_le32(b, kDevNumber);
  sb.cnt_corrected_read = get_le32(b, kCntCorrectedRead);
  std::copy_n(b.begin() + kDeviceUuid, 16, sb.device_uuid.begin());
  sb.devflags = b[kDevflags];
  sb.bblog_shift = b[kBblogShift];
  sb.bblog_size = get_le16(b, kBblogSize);
  sb.bblog_offset = static_cast<std::int32_t>(get_le32(b, kBblogOffset));
  sb.utime = get_le64(b, kUtime);
  sb.events = get_le64(b, kEvents);
  sb.resync_offset = get_le64(b, kResyncOffset);
  sb.sb_csum = get_le32(b, kSbCsum);
  sb.logical_block_size = get_le32(b, kLogicalBlockSize);
  std::copy_n(b.begin() + kPad3, sb.pad3.size(), sb.pad3.begin());
  sb.dev_roles.resize(sb.max_dev);
  for (std::uint32_t i = 0; i < sb.max_dev; ++i) sb.dev_roles[i] = get_le16(b, kDevRoles + 2 * i);
  sb.tail.assign(b.begin() + static_cast<std::ptrdiff_t>(sb.checksummed_bytes()), b.end());
  return sb;
}

Status encode_md_superblock(const MdSuperblock& sb, std::span<std::uint8_t> b) {
  using namespace mdsb;
  if (sb.dev_roles.size() != sb.max_dev || sb.max_dev > kMdSbMaxDev) {
    return Status(Code::InvalidArgument,
                  str_cat("md superblock: dev_roles has ", sb.dev_roles.size(),
                          " entries, max_dev is ", sb.max_dev));
  }
  if (b.size() < sb.checksummed_bytes() + sb.tail.size()) {
    return Status(Code::InvalidArgument, str_cat("md superblock: output buffer of ", b.size(),
                                                 " bytes is too small"));
  }
  put_le32(b, kMagic, sb.magic);
  put_le32(b, kMajorVersion, sb.major_version);
  put_le32(b, kFeatureMap, sb.feature_map);
  put_le32(b, kPad0, sb.pad0);
  std::copy(sb.set_uuid.begin(), sb.set_uuid.end(), b.begin() + kSetUuid);
  std::copy(sb.set_name.begin(), sb.set_name.end(), b.begin() + kSetName);
  put_le64(b, kCtime, sb.ctime);
  put_le32(b, kLevel, static_cast<std::uint32_t>(sb.level));
  put_le32(b, kLayout, sb.layout);
  put_le64(b, kSize, sb.size);
  put_le32(b, kChunksize, sb.chunksize);
  put_le32(b, kRaidDisks, sb.raid_disks);
  put_le32(b, kBitmapOffset, static_cast<std::uint32_t>(sb.bitmap_offset));
  put_le32(b, kNewLevel, sb.new_level);
  put_le64(b, kReshapePosition, sb.reshape_position);
  put_le32(b, kDeltaDisks, static_cast<std::uint32_t>(sb.delta_disks));
  put_le32(b, kNewLayout, sb.new_layout);
  put_le32(b, kNewChunk, sb.new_chunk);
  put_le32(b, kNewOffset, static_cast<std::uint32_t>(sb.new_offset));
  put_le64(b, kDataOffset, sb.data_offset);
  put_le64(b, kDataSize, sb.data_size);
  put_le64(b, kSuperOffset, sb.super_offset);
  put_le64(b, kRecoveryOffset, sb.recovery_offset);
  put_le32(b, kDevNumber, sb.dev_number);
  put_le32(b, kCntCorrectedRead, sb.cnt_corrected_read);
  std::copy(sb.device_uuid.begin(), sb.device_uuid.end(), b.begin() + kDeviceUuid);
  b[kDevflags] = sb.devflags;
  b[kBblogShift] = sb.bblog_shift;
  put_le16(b, kBblogSize, sb.bblog_size);
  put_le32(b, kBblogOffset, static_cast<std::uint32_t>(sb.bblog_offset));
  put_le64(b, kUtime, sb.utime);
  put_le64(b, kEvents, sb.events);
  put_le64(b, kResyncOffset, sb.resync_offset);
  put_le32(b, kSbCsum, sb.sb_csum);
  put_le32(b, kMaxDev, sb.max_dev);
  put_le32(b, kLogicalBlockSize, sb.logical_block_size);
  std::copy(sb.pad3.begin(), sb.pad3.end(), b.begin() + kPad3);
  for (std::uint32_t i = 0; i < sb.max_dev; ++i) put_le16(b, kDevRoles + 2 * i, sb.dev_roles[i]);
  std::copy(sb.tail.begin(), sb.tail.end(),
            b.begin() + static_cast<std::ptrdiff_t>(sb.checksummed_bytes()));
  return Status();
}

std::uint32_t md_sb_checksum_bytes(std::span<const std::uint8_t> b, std::uint32_t max_dev) {
  std::size_t size = kMdSbFixedBytes + 2u * max_dev;
  std::uint64_t sum = 0;
  std::size_t off = 0;
  for (; size >= 4; size -= 4, off += 4) {
    if (off == mdsb::kSbCsum) continue;  // the checksum field counts as zero
    sum += load_le32(b.data() + off);
  }
  if (size == 2) sum += load_le16(b.data() + off);
  return static_cast<std::uint32_t>((sum & 0xffffffffu) + (sum >> 32));
}

std::uint32_t md_sb_checksum(const MdSuperblock& sb) {
  std::vector<std::uint8_t> buf(sb.checksummed_bytes() + sb.tail.size());
  (void)encode_md_superblock(sb, buf);
  return md_sb_checksum_bytes(buf, sb.max_dev);
}

std::vector<std::string> md_feature_names(std::uint32_t fm) {
  static const std::pair<std::uint32_t, const char*> kNames[] = {
      {kFeatureBitmapOffset, "bitmap-offset"},
      {kFeatureRecoveryOffset, "recovery-offset"},
      {kFeatureReshapeActive, "reshape-active"},
      {kFeatureBadBlocks, "bad-blocks"},
      {kFeatureReplacement, "replacement"},
      {kFeatureReshapeBackwards, "reshape-backwards"},
      {kFeatureNewOffset, "new-offset"},
      {kFeatureRecoveryBitmap, "recovery-bitmap"},
      {kFeatureClustered, "clustered"},
      {kFeatureJournal, "journal"},
      {kFeaturePpl, "ppl"},
      {kFeatureMultiplePpls, "multiple-ppls"},
      {kFeatureRaid0Layout, "raid0-layout"},
  };
  std::vector<std::string> out;
  for (const auto& [bit, name] : kNames) {
    if (fm & bit) out.emplace_back(name);
  }
  if (std::uint32_t unknown = fm & ~kFeatureAll) out.push_back("unknown(" + hex(unknown) + ")");
  return out;
}

std::string uuid_colon(const std::array<std::uint8_t, 16>& u) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 16; ++i) {
    if (i && i % 4 == 0) s += ':';
    s += kHex[u[i] >> 4];
    s += kHex[u[i] & 15];
  }
  return s;
}

std::string uuid_dashed(const std::array<std::uint8_t, 16>& u) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += kHex[u[i] >> 4];
    s += kHex[u[i] & 15];
  }
  return s;
}

std::string md_set_name(const MdSuperblock& sb) {
  auto end = std::find(sb.set_name.begin(), sb.set_name.end(), std::uint8_t{0});
  return std::string(sb.set_name.begin(), end);
}

std::string md_level_name(std::int32_t level) {
  switch (level) {
    case -4: return "multipath";
    case -1: return "linear";
    case 0: return "raid0";
    case 1: return "raid1";
    case 4: return "raid4";
    case 5: return "raid5";
    case 6: return "raid6";
    case 10: return "raid10";
    default: return "-unknown-";
  }
}

std::uint64_t md_sb_offset_sectors(int minor_version, std::uint64_t device_sectors) {
  switch (minor_version) {
    case 0: return (device_sectors - 16) & ~std::uint64_t{7};
    case 1: return 0;
    default: return kMdSb12OffsetBytes / 512;
  }
}

}  // namespace llb
