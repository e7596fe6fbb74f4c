#include "libformat/io/md_locate.h"

#include <algorithm>
#include <optional>

#include "libformat/codec/endian.h"

namespace llb {

Result<LocatedMdSuperblock> read_md_superblock_at(BlockDevice& dev, int minor_version) {
  const std::uint64_t sectors = dev.size_bytes() / 512;
  if (sectors < 24) {
    return Status(Code::NotFound, str_cat(dev.name(), ": device of ", dev.size_bytes(),
                                          " bytes is too small for md metadata"));
  }
  LocatedMdSuperblock loc;
  loc.minor_version = minor_version;
  loc.offset_bytes = md_sb_offset_sectors(minor_version, sectors) * 512;
  Where where{dev.name(), loc.offset_bytes, str_cat("md superblock 1.", minor_version)};
  // The magic first: most places a tool looks hold no superblock at all.
  std::uint8_t magic[4];
  LLB_RETURN_IF_ERROR(dev.read_at(loc.offset_bytes, magic));
  if (load_le32(magic) != kMdSbMagic) {
    return field_error(Code::NotFound, where, "magic", hex(load_le32(magic), 8),
                       hex(kMdSbMagic, 8));
  }
  std::size_t len = static_cast<std::size_t>(
      std::min<std::uint64_t>(kMdSbMaxBytes, dev.size_bytes() - loc.offset_bytes));
  auto raw = read_bytes(dev, loc.offset_bytes, len);
  if (!raw.ok()) return raw.status();
  auto sb = decode_md_superblock(*raw, where);
  if (!sb.ok()) {
    if (sb.status().code() == Code::BadMagic) {
      return Status(Code::NotFound, sb.status().message());
    }
    return sb.status();
  }
  if (sb->super_offset * 512 != loc.offset_bytes) {
    return field_error(Code::BadField, where, "super_offset", str_cat(sb->super_offset, " sectors"),
                       str_cat(loc.offset_bytes / 512, " (where this copy was found)"));
  }
  loc.computed_csum = md_sb_checksum_bytes(*raw, sb->max_dev);
  loc.sb = std::move(sb).value();
  return loc;
}

Result<LocatedMdSuperblock> locate_md_superblock(BlockDevice& dev, std::vector<Status>* others) {
  if (dev.size_bytes() / 512 < 24) return read_md_superblock_at(dev, 2);  // says "too small"
  std::optional<LocatedMdSuperblock> best;
  Status last_error(Code::NotFound, str_cat(dev.name(), ": no md v1.x superblock at byte 4096 (1.2),"
                                            " byte 0 (1.1) or the end of the device (1.0)"));
  for (int minor : {2, 1, 0}) {
    auto r = read_md_superblock_at(dev, minor);
    if (!r.ok()) {
      if (others) others->push_back(r.status());
      if (r.status().code() != Code::NotFound) {
        last_error = r.status();
      }
      continue;
    }
    if (!best || r->sb.ctime > best->sb.ctime) {
      if (best && others) {
        others->push_back(Status(Code::Stale, str_cat(dev.name(), ": older superblock 1.",
                                                      best->minor_version, " also present")));
      }
      best = std::move(r).value();
    } else if (others) {
      others->push_back(Status(Code::Stale, str_cat(dev.name(), ": older superblock 1.",
                                                    r->minor_version, " also present")));
    }
  }
  if (best) return std::move(*best);
  return last_error;
}

}  // namespace llb
