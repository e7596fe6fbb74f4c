#include "libformat/ops/repair_bblog.h"

#include <algorithm>

#include "libformat/codec/llbitmap_geometry.h"
#include "libformat/codec/md_superblock.h"

namespace llb {
namespace {

// examine's bblog-overlap check (ops/member.cc: the log against the pages that hold state bytes),
// not a second copy of it.
bool overlaps_state_area(const Member& m) {
  return m.geometry && std::any_of(m.findings.begin(), m.findings.end(),
                                   [](const Finding& f) { return f.code == "bblog-overlap"; });
}

// The md superblock's bytes from bblog_size to sb_csum, as `sb` encodes them: one range in one
// sector, so that the new log fields and their checksum reach the disk in one write (a kill
// between two writes would leave a checksum that does not match).
std::vector<std::uint8_t> log_fields(const MdSuperblock& sb) {
  std::vector<std::uint8_t> all(sb.checksummed_bytes() + sb.tail.size());
  if (!encode_md_superblock(sb, all).ok()) return {};
  return {all.begin() + mdsb::kBblogSize, all.begin() + mdsb::kSbCsum + 4};
}

}  // namespace

void plan_bblog_move(const Member& m, std::size_t index, RepairPlan& plan) {
  if (!overlaps_state_area(m)) return;
  const MdSuperblock& sb = m.md.sb;
  const std::string where =
      str_cat(m.device, ": md superblock at byte ", m.md.offset_bytes, ": the bad-block log at ",
              sb.bblog_offset, " sectors from it (", sb.bblog_size, " sectors) overlaps the "
              "llbitmap's state bytes (", m.geometry->chunks, " chunks from byte ",
              m.geometry->bitmap_offset_bytes + m.geometry->data_offset_bytes, ")");
  if (sb.feature_map & kFeatureBadBlocks) {
    plan.problems.push_back(
        {Severity::Error, "bblog-overlap",
         where + " and holds bad blocks: the kernel reads state bytes as bad blocks and writes "
                 "bad blocks over state bytes (docs/findings/bblog-overlap.md)",
         ""});
    return;
  }
  if (!m.md_verdict.accepted() || !m.md.checksum_ok()) return;  // fixed first, or not at all
  MdSuperblock after = sb;
  const std::int64_t new_offset =
      std::int64_t{sb.bitmap_offset} + m.geometry->reserved_bytes / 512;
  const bool room = sb.bitmap_offset > 0 &&
                    sb.super_offset + static_cast<std::uint64_t>(new_offset) + sb.bblog_size <=
                        sb.data_offset;
  std::string fix;
  if (room) {
    after.bblog_offset = static_cast<std::int32_t>(new_offset);
    fix = str_cat("move the empty log to ", new_offset, " sectors from the md superblock, after the "
                  "bitmap's reserved area (md superblock fields bblog_offset and sb_csum)");
  } else {
    after.bblog_offset = 0;
    after.bblog_size = 0;
    fix = "remove the empty log, as mdadm --update=no-bbl does: no room after the bitmap before "
          "the data (md superblock fields bblog_offset, bblog_size and sb_csum)";
  }
  after.sb_csum = md_sb_checksum(after);
  ByteChange c;
  c.member = index;
  c.offset_bytes = m.md.offset_bytes + mdsb::kBblogSize;
  c.old_bytes = log_fields(sb);
  c.new_bytes = log_fields(after);
  c.what = "md superblock bblog_size, bblog_offset and sb_csum";
  c.order = kOrderMdSb;
  if (c.old_bytes.empty() || c.new_bytes.empty()) return;
  plan.changes.push_back(std::move(c));
  plan.problems.push_back({Severity::Warning, "bblog-overlap",
                           where + " (no bad blocks recorded yet; recording one would overwrite "
                                   "state bytes)",
                           fix});
}

}  // namespace llb
