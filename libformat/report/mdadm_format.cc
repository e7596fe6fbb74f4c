#include "libformat/report/mdadm_format.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <vector>

namespace llb {
namespace {

std::string fmt(const char* f, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, args...);
  return buf;
}

std::string centi(std::uint64_t bytes, std::uint64_t unit) {
  // mdadm rounds to hundredths: (bytes * 200 / unit + 1) / 2
  // computed as q*200 + r*200/unit so that huge sizes do not overflow
  std::uint64_t v = bytes / unit * 200 + bytes % unit * 200 / unit;
  auto c = static_cast<unsigned long long>((v + 1) / 2);
  return fmt("%llu.%02llu", c / 100, c % 100);
}

std::string r5_layout_name(std::uint32_t layout) {
  switch (layout) {
    case 0: return "left-asymmetric";
    case 1: return "right-asymmetric";
    case 2: return "left-symmetric";
    case 3: return "right-symmetric";
    case 4: return "parity-first";
    case 5: return "parity-last";
    default: return "-unknown-";
  }
}

std::string r10_layout_text(std::uint32_t layout) {
  std::string s;
  std::uint32_t near = layout & 255, far = (layout >> 8) & 255;
  if (near != 1) s += fmt(" near=%u", near);
  if (far != 1) s += fmt(" %s=%u", (layout & 0x10000) ? "offset" : "far", far);
  if (near * far == 1) s += " NO REDUNDANCY";
  return s;
}

}  // namespace

std::string mdadm_human_size(std::uint64_t bytes) {
  if (bytes < 5000ull * 1024) return "";
  if (bytes < 2ull * 1024 * 1024 * 1024) {
    return " (" + centi(bytes, 1ull << 20) + " MiB " + centi(bytes, 1000000ull) + " MB)";
  }
  if (bytes < 2ull * 1024 * 1024 * 1024 * 1024) {
    return " (" + centi(bytes, 1ull << 30) + " GiB " + centi(bytes, 1000000000ull) + " GB)";
  }
  return " (" + centi(bytes, 1ull << 40) + " TiB " + centi(bytes, 1000000000000ull) + " TB)";
}

std::string mdadm_time(std::uint64_t md_time) {
  std::time_t t = static_cast<std::time_t>(md_time & 0xffffffffffull);
  std::tm tm{};
  localtime_r(&t, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt("%.3s %.3s%3d %.2d:%.2d:%.2d %d", kDays[tm.tm_wday % 7], kMonths[tm.tm_mon % 12],
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, 1900 + tm.tm_year);
}

std::uint64_t mdadm_bitmap_sectors(std::uint64_t sync_size, std::uint32_t chunksize) {
  if (chunksize == 0) return 0;
  std::uint64_t bits = (sync_size * 512 + chunksize - 1) / chunksize;
  std::uint64_t bytes = (bits + 7) / 8 + 256;
  bytes = (bytes + 4095) / 4096 * 4096;
  return bytes / 512;
}

std::string mdadm_examine_text(const MdSuperblock& sb, std::uint64_t device_sectors,
                               std::uint32_t computed_csum, std::uint64_t bitmap_sectors) {
  std::ostringstream o;
  o << fmt("          Magic : %08x\n", sb.magic);
  o << "        Version : 1" << (sb.super_offset <= 4 ? ".1" : sb.super_offset <= 8 ? ".2" : ".0")
    << "\n";
  o << fmt("    Feature Map : 0x%x\n", sb.feature_map);
  o << "     Array UUID : " << uuid_colon(sb.set_uuid) << "\n";
  o << "           Name : " << md_set_name(sb) << "\n";
  o << "  Creation Time : " << mdadm_time(sb.ctime) << "\n";
  o << "     Raid Level : " << md_level_name(sb.level) << "\n";
  o << fmt("   Raid Devices : %d\n", static_cast<int>(sb.raid_disks));
  o << "\n";
  o << fmt(" Avail Dev Size : %llu sectors", static_cast<unsigned long long>(sb.data_size))
    << mdadm_human_size(sb.data_size << 9) << "\n";
  if (sb.level > 0) {
    std::uint64_t ddsks = 0, denom = 1;
    switch (sb.level) {
      case 1: ddsks = 1; break;
      case 4:
      case 5: ddsks = sb.raid_disks - 1; break;
      case 6: ddsks = sb.raid_disks - 2; break;
      case 10:
        ddsks = sb.raid_disks;
        denom = (sb.layout & 255) * ((sb.layout >> 8) & 255);
        if (denom == 0) denom = 1;
        break;
      default: break;
    }
    if (ddsks) {
      std::uint64_t asize = (sb.size << 9) * ddsks / denom;
      o << fmt("     Array Size : %llu KiB", static_cast<unsigned long long>(asize >> 10))
        << mdadm_human_size(asize) << "\n";
    }
    if (sb.size != sb.data_size) {
      o << fmt("  Used Dev Size : %llu sectors", static_cast<unsigned long long>(sb.size))
        << mdadm_human_size(sb.size << 9) << "\n";
    }
  }
  if (sb.data_offset) {
    o << fmt("    Data Offset : %llu sectors\n", static_cast<unsigned long long>(sb.data_offset));
  }
  if (sb.new_offset && (sb.feature_map & kFeatureNewOffset)) {
    o << fmt("     New Offset : %llu sectors\n",
             static_cast<unsigned long long>(sb.data_offset + sb.new_offset));
  }
  o << fmt("   Super Offset : %llu sectors\n", static_cast<unsigned long long>(sb.super_offset));
  if (sb.feature_map & kFeatureRecoveryOffset) {
    o << fmt("Recovery Offset : %llu sectors\n",
             static_cast<unsigned long long>(sb.recovery_offset));
  }
  // getinfo_super1's space_before / space_after.
  std::uint64_t before = 0, after = 0;
  const std::uint64_t data_size = sb.level <= 0 ? sb.data_size : sb.size;
  const std::int64_t bm_off = (sb.feature_map & kFeatureBitmapOffset) ? sb.bitmap_offset : 0;
  if (sb.data_offset < sb.super_offset) {
    before = sb.data_offset;
    std::uint64_t end = sb.super_offset;
    if (sb.bblog_offset && sb.bblog_size) {
      std::uint64_t bb = sb.super_offset + static_cast<std::uint64_t>(std::int64_t{sb.bblog_offset});
      end = std::min(end, bb);
    }
    std::uint64_t bm = sb.super_offset + static_cast<std::uint64_t>(bm_off);
    end = std::min(end, bm);
    after = sb.data_offset + data_size < end ? end - data_size - sb.data_offset : 0;
  } else {
    std::uint64_t earliest = sb.super_offset + (32 + 4) * 2;
    if (bm_off > 0) {
      std::uint64_t bmend = static_cast<std::uint64_t>(bm_off) + bitmap_sectors;
      earliest = std::max(earliest, bmend);
    }
    if (sb.bblog_offset && sb.bblog_size) {
      std::uint64_t bbend = sb.super_offset +
                            static_cast<std::uint64_t>(std::int64_t{sb.bblog_offset}) +
                            sb.bblog_size;
      earliest = std::max(earliest, bbend);
    }
    before = earliest < sb.data_offset ? sb.data_offset - earliest : 0;
    after = device_sectors - data_size - sb.data_offset;
  }
  if (before == 0 && after == 0) after = 1;  // mdadm's marker for "cannot move data"
  if (after != 1 && !(sb.feature_map & kFeatureNewOffset)) {
    o << fmt("   Unused Space : before=%llu sectors, ", static_cast<unsigned long long>(before));
    if (after < static_cast<std::uint64_t>(INT64_MAX)) {
      o << fmt("after=%llu sectors\n", static_cast<unsigned long long>(after));
    } else {
      o << fmt("after=-%llu sectors DEVICE TOO SMALL\n",
               static_cast<unsigned long long>(UINT64_MAX - after));
    }
  }
  o << "          State : " << (sb.resync_offset + 1 ? "active" : "clean")
    << (after > static_cast<std::uint64_t>(INT64_MAX) ? " TRUNCATED DEVICE" : "") << "\n";
  o << "    Device UUID : " << uuid_colon(sb.device_uuid) << "\n";
  o << "\n";
  if (sb.feature_map & kFeatureBitmapOffset) {
    o << fmt("Internal Bitmap : %ld sectors from superblock\n", static_cast<long>(sb.bitmap_offset));
  } else if (sb.feature_map & (kFeaturePpl | kFeatureMultiplePpls)) {
    std::uint16_t ppl_offset = static_cast<std::uint16_t>(sb.bitmap_offset & 0xffff);
    std::uint16_t ppl_size = static_cast<std::uint16_t>((sb.bitmap_offset >> 16) & 0xffff);
    o << fmt("            PPL : %u sectors at offset %d sectors from superblock\n", ppl_size,
             static_cast<int>(ppl_offset));
  }
  std::int64_t delta_extra = 0;  // delta_disks is any int32 on disk: its negation needs 64 bits
  if (sb.feature_map & kFeatureReshapeActive) {
    o << fmt("  Reshape pos'n : %llu", static_cast<unsigned long long>(sb.reshape_position / 2))
      << mdadm_human_size(sb.reshape_position << 9) << "\n";
    if (sb.delta_disks) {
      // mdadm computes the old count in int; from a hostile superblock (raid_disks near 2^31,
      // delta_disks INT32_MIN) that overflows, so here it is done in 64 bits.
      o << fmt("  Delta Devices : %d (%lld->%d)\n", sb.delta_disks,
               static_cast<long long>(std::int64_t{static_cast<int>(sb.raid_disks)} - sb.delta_disks),
               static_cast<int>(sb.raid_disks));
      if (sb.delta_disks < 0) delta_extra = -std::int64_t{sb.delta_disks};
    }
    if (static_cast<std::int32_t>(sb.new_level) != sb.level) {
      o << "      New Level : " << md_level_name(static_cast<std::int32_t>(sb.new_level)) << "\n";
    }
    if (sb.new_layout != sb.layout) {
      if (sb.level == 5 || sb.level == 6) {
        o << "     New Layout : " << r5_layout_name(sb.new_layout) << "\n";
      }
      if (sb.level == 10) o << "     New Layout :" << r10_layout_text(sb.new_layout) << "\n";
    }
    if (sb.new_chunk != sb.chunksize) o << fmt("  New Chunksize : %dK\n", sb.new_chunk / 2);
    o << "\n";
  }
  if (sb.devflags) {
    o << "          Flags :";
    if (sb.devflags & 1) o << " write-mostly";
    if (sb.devflags & 2) o << " failfast";
    o << "\n";
  }
  o << "    Update Time : " << mdadm_time(sb.utime) << "\n";
  if (sb.bblog_size && sb.bblog_offset) {
    o << fmt("  Bad Block Log : %d entries available at offset %ld sectors",
             sb.bblog_size * 512 / 8, static_cast<long>(sb.bblog_offset));
    if (sb.feature_map & kFeatureBadBlocks) o << " - bad blocks present.";
    o << "\n";
  }
  if (computed_csum == sb.sb_csum) {
    o << fmt("       Checksum : %x - correct\n", sb.sb_csum);
  } else {
    o << fmt("       Checksum : %x - expected %x\n", sb.sb_csum, computed_csum);
  }
  o << fmt("         Events : %llu\n", static_cast<unsigned long long>(sb.events));
  o << "\n";
  if (sb.level == 5 || sb.level == 6) o << "         Layout : " << r5_layout_name(sb.layout) << "\n";
  if (sb.level == 10) o << "         Layout :" << r10_layout_text(sb.layout) << "\n";
  switch (sb.level) {
    case 0:
    case 4:
    case 5:
    case 6:
    case 10: o << fmt("     Chunk Size : %dK\n", sb.chunksize / 2); break;
    case -1: o << fmt("       Rounding : %dK\n", sb.chunksize / 2); break;
    default: break;
  }
  o << "\n";
  std::uint16_t role = sb.role();
  o << "   Device Role : ";
  if (role >= kRoleFaulty) {
    o << "spare\n";
  } else if (role == kRoleJournal) {
    o << "Journal\n";
  } else if (sb.feature_map & kFeatureReplacement) {
    o << "Replacement device " << role << "\n";
  } else {
    o << "Active device " << role << "\n";
  }
  o << "   Array State : ";
  // One character per role position, as mdadm prints it. raid_disks comes from disk and can be
  // anything up to 2^32: count the roles once, and past the highest role any slot holds (or the
  // 1920 slots a superblock can have) every position is missing, so say how many instead of
  // printing them one by one.
  const std::uint64_t positions = std::uint64_t{sb.raid_disks} + static_cast<std::uint64_t>(delta_extra);
  std::vector<int> role_count;
  for (std::uint16_t r : sb.dev_roles) {
    if (r > kRoleMax || r >= positions) continue;
    if (r >= role_count.size()) role_count.resize(r + 1u, 0);
    ++role_count[r];
  }
  const std::uint64_t shown =
      std::min<std::uint64_t>(positions, std::max<std::uint64_t>(kMdSbMaxDev, role_count.size()));
  bool inconsistent = false;
  for (std::uint64_t d = 0; d < shown; ++d) {
    int cnt = d < role_count.size() ? role_count[d] : 0;
    if (cnt == 2 && sb.level > 0) {
      o << "R";
    } else if (cnt == 1) {
      o << "A";
    } else if (cnt == 0) {
      o << ".";
    } else {
      o << "?";
      inconsistent = true;
    }
  }
  if (shown < positions) o << " (+" << (positions - shown) << " more missing)";
  o << " ('A' == active, '.' == missing, 'R' == replacing)\n";
  for (std::uint16_t r : sb.dev_roles) {
    if (r <= kRoleMax && r > positions) inconsistent = true;
  }
  if (inconsistent) {
    o << "WARNING Array state is inconsistent - each number should appear only once\n";
    for (std::size_t d = 0; d < sb.dev_roles.size(); ++d) {
      if (sb.dev_roles[d] >= kRoleFaulty) {
        o << " " << d << ":-";
      } else {
        o << " " << d << ":" << sb.dev_roles[d];
      }
    }
    o << "\n";
  }
  return o.str();
}

}  // namespace llb
