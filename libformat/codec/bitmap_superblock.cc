#include "libformat/codec/bitmap_superblock.h"

#include <algorithm>

#include "libformat/codec/endian.h"

namespace llb {

Result<BitmapSuperblock> decode_bitmap_superblock(std::span<const std::uint8_t> b,
                                                  const Where& where) {
  using namespace bmsb;
  if (b.size() < kBitmapSbBytes) {
    return Status(Code::ShortRead, str_cat(where.device, ": ", where.record, " at byte ",
                                           where.offset_bytes, ": only ", b.size(),
                                           " bytes, a bitmap superblock needs 256"));
  }
  BitmapSuperblock sb;
  sb.magic = get_le32(b, kMagic);
  if (sb.magic != kBitmapMagic) {
    return field_error(Code::BadMagic, where, "magic", hex(sb.magic, 8), hex(kBitmapMagic, 8));
  }
  sb.version = get_le32(b, kVersion);
  std::copy_n(b.begin() + kUuid, 16, sb.uuid.begin());
  sb.events = get_le64(b, kEvents);
  sb.events_cleared = get_le64(b, kEventsCleared);
  sb.sync_size = get_le64(b, kSyncSize);
  sb.state = get_le32(b, kState);
  sb.chunksize = get_le32(b, kChunksize);
  sb.daemon_sleep = get_le32(b, kDaemonSleep);
  sb.write_behind = get_le32(b, kWriteBehind);
  sb.sectors_reserved = get_le32(b, kSectorsReserved);
  sb.nodes = get_le32(b, kNodes);
  std::copy_n(b.begin() + kClusterName, 64, sb.cluster_name.begin());
  std::copy_n(b.begin() + kPad, sb.pad.size(), sb.pad.begin());
  return sb;
}

Status encode_bitmap_superblock(const BitmapSuperblock& sb, std::span<std::uint8_t> b) {
  using namespace bmsb;
  if (b.size() < kBitmapSbBytes) {
    return Status(Code::InvalidArgument,
                  str_cat("bitmap superblock: output buffer of ", b.size(), " bytes < 256"));
  }
  put_le32(b, kMagic, sb.magic);
  put_le32(b, kVersion, sb.version);
  std::copy(sb.uuid.begin(), sb.uuid.end(), b.begin() + kUuid);
  put_le64(b, kEvents, sb.events);
  put_le64(b, kEventsCleared, sb.events_cleared);
  put_le64(b, kSyncSize, sb.sync_size);
  put_le32(b, kState, sb.state);
  put_le32(b, kChunksize, sb.chunksize);
  put_le32(b, kDaemonSleep, sb.daemon_sleep);
  put_le32(b, kWriteBehind, sb.write_behind);
  put_le32(b, kSectorsReserved, sb.sectors_reserved);
  put_le32(b, kNodes, sb.nodes);
  std::copy(sb.cluster_name.begin(), sb.cluster_name.end(), b.begin() + kClusterName);
  std::copy(sb.pad.begin(), sb.pad.end(), b.begin() + kPad);
  return Status();
}

bool lbs4k_infected(const BitmapSuperblock& sb) {
  return sb.version == 0x02020200u + kBitmapMajorLockless;
}

std::string bitmap_version_name(std::uint32_t version) {
  switch (version) {
    case kBitmapMajorHostEndian: return "3 (classic, host-endian)";
    case kBitmapMajorHi: return "4 (classic)";
    case kBitmapMajorClustered: return "5 (clustered)";
    case kBitmapMajorLockless: return "6 (lockless)";
    default: return str_cat(version, " (unknown)");
  }
}

std::vector<std::string> bitmap_state_names(std::uint32_t state) {
  static const std::pair<std::uint32_t, const char*> kNames[] = {
      {kBitmapStale, "stale"},          {kBitmapWriteError, "write-error"},
      {kBitmapFirstUse, "first-use"},   {kBitmapClean, "clean"},
      {kBitmapDaemonBusy, "daemon-busy"}, {kBitmapShutdown, "shutdown"},
      {kBitmapHostEndian, "host-endian"},
  };
  std::vector<std::string> out;
  std::uint32_t known = 0;
  for (const auto& [bit, name] : kNames) {
    known |= 1u << bit;
    if (state & (1u << bit)) out.emplace_back(name);
  }
  if (std::uint32_t unknown = state & ~known) out.push_back("unknown(" + hex(unknown) + ")");
  return out;
}

}  // namespace llb
