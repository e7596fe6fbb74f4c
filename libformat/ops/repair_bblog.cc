#include "libformat/ops/repair_bblog.h"

#include <algorithm>

#include "libformat/codec/llbitmap_geometry.h"
#include "libformat/codec/md_superblock.h"
#include "libformat/io/block_device.h"

namespace llb {
namespace {

// The md superblock's bytes [from, to) as `sb` encodes them.
std::vector<std::uint8_t> sb_bytes(const MdSuperblock& sb, std::size_t from, std::size_t to) {
  std::vector<std::uint8_t> all(sb.checksummed_bytes() + sb.tail.size());
  if (!encode_md_superblock(sb, all).ok() || to > all.size()) return {};
  return {all.begin() + static_cast<std::ptrdiff_t>(from),
          all.begin() + static_cast<std::ptrdiff_t>(to)};
}

// One change of the md superblock from feature_map (or bblog_size) to sb_csum: one range in the
// superblock's first sector, so the new fields and their checksum reach the disk in one write (a
// kill between two writes would leave a checksum that does not match).
ByteChange sb_change(const Member& m, std::size_t index, const MdSuperblock& after,
                     std::size_t from, const char* what) {
  ByteChange c;
  c.member = index;
  c.offset_bytes = m.md.offset_bytes + from;
  c.old_bytes = sb_bytes(m.md.sb, from, mdsb::kSbCsum + 4);
  c.new_bytes = sb_bytes(after, from, mdsb::kSbCsum + 4);
  c.what = what;
  c.order = kOrderMdSb;
  return c;
}

// The log's new place: after the bitmap's reserved area, when it fits before the data.
std::optional<std::int64_t> new_log_offset(const Member& m) {
  const MdSuperblock& sb = m.md.sb;
  const std::int64_t off = std::int64_t{sb.bitmap_offset} + m.geometry->reserved_bytes / 512;
  if (sb.bitmap_offset <= 0 ||
      sb.super_offset + static_cast<std::uint64_t>(off) + sb.bblog_size > sb.data_offset) {
    return std::nullopt;
  }
  return off;
}

// The entries md wrote that are still readable: walked in log order through the 512-byte blocks
// that still hold md's bytes (a block the llbitmap wrote holds states, not entries), up to the
// end marker; entries of length 0 or past the device are not md's. `lost_entries` says whether a
// block the llbitmap overwrote came before the end marker (entries may have been there).
std::vector<BadBlock> readable_entries(const Member& m, const std::vector<std::uint8_t>& page,
                                       const BblogOverlap& o, bool* lost_entries) {
  std::vector<BadBlock> out;
  *lost_entries = false;
  const Geometry& g = *m.geometry;
  const std::uint64_t s0 = g.state_byte_offset(0), s1 = s0 + g.chunks;
  for (std::size_t block = 0; block * 512 < page.size(); ++block) {
    const std::uint64_t b0 = o.log_begin + block * 512, b1 = b0 + 512;
    bool md_block = true;  // a block with no chunk's state byte in it is md's
    if (b0 < s1 && s0 < b1) {
      const std::uint64_t c = std::max(b0, s0) - s0;
      md_block = std::any_of(o.lost.begin(), o.lost.end(),
                             [&](const auto& r) { return r.first <= c && c <= r.second; });
    }
    if (!md_block) {
      *lost_entries = true;
      continue;
    }
    const BadBlockLog part = decode_bad_block_log(
        std::span<const std::uint8_t>(page).subspan(block * 512, 512), m.md.sb.bblog_shift);
    for (const BadBlock& b : part.entries) {
      if (b.sectors == 0 || b.sector >= m.size_bytes / 512) continue;
      out.push_back(b);
    }
    if (part.terminated) return out;
  }
  return out;
}

// A log page an earlier, interrupted run wrote at the new place: terminated, every entry md-like.
std::vector<BadBlock> earlier_page(const Member& m, BlockDevice& dev, std::uint64_t at,
                                   std::uint32_t size) {
  auto raw = read_bytes(dev, at, size);
  if (!raw.ok()) return {};
  const BadBlockLog log = decode_bad_block_log(*raw, m.md.sb.bblog_shift);
  if (!log.terminated || !log.zero_length.empty() || log.entries.empty()) return {};
  for (const BadBlock& b : log.entries) {
    if (b.sector >= m.size_bytes / 512) return {};
  }
  return log.entries;
}

void plan_hit_log(const Member& m, BlockDevice& dev, std::size_t index, RepairPlan& plan,
                  BblogRepair& out, const std::string& where) {
  const BblogOverlap& o = *m.bblog_overlap;
  const MdSuperblock& sb = m.md.sb;
  // The superblock may be rewritten only where the log is all that is wrong with it.
  const bool only_log_rules =
      m.md.checksum_ok() &&
      std::all_of(m.md_verdict.findings.begin(), m.md_verdict.findings.end(),
                  [](const MdRuleFinding& f) { return f.rule == MdRule::BadBlockEntryRefused; });
  if (!only_log_rules) {
    plan.problems.push_back({Severity::Error, "bblog-over-states",
                             where + ": the md superblock has other damage (see the problems "
                                     "above): the log is not moved",
                             ""});
    return;
  }
  auto page = read_bytes(dev, o.log_begin, o.log_end - o.log_begin);
  if (!page.ok()) {
    plan.problems.push_back({Severity::Error, "md-bblog-unreadable", page.status().message(), ""});
    return;
  }
  bool lost_entries = false;
  std::vector<BadBlock> entries =
      o.log_declared ? readable_entries(m, *page, o, &lost_entries) : std::vector<BadBlock>{};
  const auto off = new_log_offset(m);
  if (off) {
    const std::uint64_t at = m.md.offset_bytes + static_cast<std::uint64_t>(*off) * 512;
    for (const BadBlock& b : earlier_page(m, dev, at, o.log_end - o.log_begin)) {
      if (std::none_of(entries.begin(), entries.end(), [&](const BadBlock& e) {
            return e.sector == b.sector && e.sectors == b.sectors;
          })) {
        entries.push_back(b);
      }
    }
    std::sort(entries.begin(), entries.end(),
              [](const BadBlock& a, const BadBlock& b) { return a.sector < b.sector; });
  }
  if (!off && !entries.empty()) {
    plan.problems.push_back(
        {Severity::Error, "bblog-over-states",
         str_cat(where, ": ", entries.size(), " bad blocks md recorded are still readable, but "
                 "there is no room after the bitmap's reserved area before the data to keep them"),
         ""});
    return;
  }
  MdSuperblock after = sb;
  std::string fix;
  if (off) {
    after.bblog_offset = static_cast<std::int32_t>(*off);
    out.new_log_begin = m.md.offset_bytes + static_cast<std::uint64_t>(*off) * 512;
    out.new_log_end = out.new_log_begin + (o.log_end - o.log_begin);
    std::vector<std::uint8_t> new_page(o.log_end - o.log_begin, 0xff);
    encode_bad_block_log(entries, sb.bblog_shift, new_page);
    auto old = read_bytes(dev, out.new_log_begin, new_page.size());
    if (!old.ok()) {
      plan.problems.push_back({Severity::Error, "md-bblog-unreadable", old.status().message(), ""});
      return;
    }
    if (*old != new_page) {
      ByteChange c;
      c.member = index;
      c.offset_bytes = out.new_log_begin;
      c.old_bytes = std::move(old).value();
      c.new_bytes = std::move(new_page);
      c.what = str_cat("bad-block log page at its new place (", entries.size(), " entries)");
      c.order = kOrderBadBlockLog;
      plan.changes.push_back(std::move(c));
    }
    fix = str_cat("write the log with the ", entries.size(), " bad blocks still readable at ", *off,
                  " sectors from the md superblock, after the bitmap's reserved area, then point "
                  "the superblock there");
  } else {
    after.bblog_offset = 0;
    after.bblog_size = 0;
    fix = "remove the log (no room after the bitmap before the data, and no bad block left to keep)";
  }
  if (entries.empty()) {
    after.feature_map &= ~std::uint32_t{kFeatureBadBlocks};
  } else {
    after.feature_map |= kFeatureBadBlocks;
  }
  after.sb_csum = md_sb_checksum(after);
  ByteChange c = sb_change(m, index, after, mdsb::kFeatureMap,
                           "md superblock feature_map, bblog_size, bblog_offset and sb_csum");
  if (c.old_bytes.empty() || c.new_bytes.empty()) return;
  plan.changes.push_back(std::move(c));
  out.log_moved = true;
  out.lost = o.lost;
  std::string detail;
  if (o.log_over_states()) {
    fix += str_cat("; mark the ", o.lost_chunks, " chunks whose states the log destroyed NeedSync "
                   "on every member");
  }
  if (o.states_over_log()) {
    detail += str_cat("; ", o.state_blocks_in_log, " of its blocks hold the llbitmap's state bytes, "
                      "which the kernel parses as bad blocks");
  }
  if (lost_entries) {
    detail += "; entries md wrote in blocks the llbitmap overwrote cannot be read back: the "
              "sectors they named may hold stale data on this member, which md will read as "
              "good. After assembly run a check (echo check > /sys/block/mdX/md/sync_action) or "
              "rebuild this member from its mirrors";
  }
  plan.problems.push_back({Severity::Error,
                           o.log_over_states() ? "bblog-over-states" : "states-over-bblog",
                           where + " and was hit" + detail, fix});
}

}  // namespace

void plan_bblog_move(const Member& m, BlockDevice& dev, std::size_t index, RepairPlan& plan,
                     BblogRepair& out) {
  if (!m.geometry || !m.bblog_overlap) return;
  const MdSuperblock& sb = m.md.sb;
  const std::string where =
      str_cat(m.device, ": md superblock at byte ", m.md.offset_bytes, ": the bad-block log at ",
              sb.bblog_offset, " sectors from it (", sb.bblog_size, " sectors) overlaps the "
              "llbitmap's state bytes (", m.geometry->chunks, " chunks from byte ",
              m.geometry->bitmap_offset_bytes + m.geometry->data_offset_bytes, ")");
  if (m.bblog_overlap->hit() || (sb.feature_map & kFeatureBadBlocks)) {
    plan_hit_log(m, dev, index, plan, out, where);
    return;
  }
  if (!m.md_verdict.accepted() || !m.md.checksum_ok()) return;  // fixed first, or not at all
  MdSuperblock after = sb;
  const auto off = new_log_offset(m);
  std::string fix;
  if (off) {
    after.bblog_offset = static_cast<std::int32_t>(*off);
    fix = str_cat("move the empty log to ", *off, " sectors from the md superblock, after the "
                  "bitmap's reserved area (md superblock fields bblog_offset and sb_csum)");
  } else {
    after.bblog_offset = 0;
    after.bblog_size = 0;
    fix = "remove the empty log, as mdadm --update=no-bbl does: no room after the bitmap before "
          "the data (md superblock fields bblog_offset, bblog_size and sb_csum)";
  }
  after.sb_csum = md_sb_checksum(after);
  ByteChange c = sb_change(m, index, after, mdsb::kBblogSize,
                           "md superblock bblog_size, bblog_offset and sb_csum");
  if (c.old_bytes.empty() || c.new_bytes.empty()) return;
  plan.changes.push_back(std::move(c));
  plan.problems.push_back({Severity::Warning, "bblog-overlap",
                           where + " (no bad blocks recorded yet; recording one would overwrite "
                                   "state bytes)",
                           fix});
}

}  // namespace llb
