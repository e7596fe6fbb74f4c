#include "libformat/codec/md_acceptance.h"

#include <algorithm>

namespace llb {
namespace {

class Checker {
 public:
  Checker(const LocatedMdSuperblock& loc, const std::string& device)
      : loc_(loc), device_(device) {}
  // "vda.img: md superblock at byte 4096: field data_size is 4, expected at least 10 (...)"
  void fail(MdRule rule, std::string_view field, const std::string& value,
            const std::string& expected) {
    v_.findings.push_back(
        {rule, str_cat(device_, ": md superblock at byte ", loc_.offset_bytes, ": field ", field,
                       " is ", value, ", expected ", expected, " (the kernel refuses it)")});
  }
  MdVerdict take() { return std::move(v_); }

 private:
  const LocatedMdSuperblock& loc_;
  const std::string& device_;
  MdVerdict v_;
};

bool pad3_zero(const MdSuperblock& sb) {
  return std::all_of(sb.pad3.begin(), sb.pad3.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace

std::string_view md_rule_code(MdRule r) {
  switch (r) {
    case MdRule::ChecksumMismatch: return "md-checksum-mismatch";
    case MdRule::UnknownFeature: return "md-unknown-feature";
    case MdRule::DataSizeTooSmall: return "md-data-size-too-small";
    case MdRule::PaddingNonZero: return "md-padding-not-zero";
    case MdRule::DataOffsetInSuperblock: return "md-data-offset-in-superblock";
    case MdRule::NewOffsetInSuperblock: return "md-new-offset-in-superblock";
    case MdRule::DataSizeBeyondDevice: return "md-data-size-beyond-device";
    case MdRule::BadBlockLogTooLarge: return "md-bblog-too-large";
    case MdRule::BadBlockLogAtZero: return "md-bblog-offset-zero";
    case MdRule::BadBlockShiftTooLarge: return "md-bblog-shift-too-large";
    case MdRule::BadBlockLogUnreadable: return "md-bblog-unreadable";
    case MdRule::BadBlockEntryRefused: return "md-bblog-entry-refused";
    case MdRule::Raid0LayoutOnOtherLevel: return "md-raid0-layout-not-raid0";
    case MdRule::PplWithBitmap: return "md-ppl-with-bitmap";
    case MdRule::PplBothKinds: return "md-ppl-both-kinds";
    case MdRule::JournalWithoutFeature: return "md-journal-without-feature";
  }
  return "md-unknown-rule";
}

bool MdVerdict::breaks(MdRule r) const {
  return std::any_of(findings.begin(), findings.end(),
                     [r](const MdRuleFinding& f) { return f.rule == r; });
}

std::optional<BadBlockLogPlace> bad_block_log_place(const LocatedMdSuperblock& loc) {
  const MdSuperblock& sb = loc.sb;
  if (sb.bblog_offset == 0 || sb.bblog_size == 0) return std::nullopt;
  const std::int64_t at =
      static_cast<std::int64_t>(loc.offset_bytes) + std::int64_t{sb.bblog_offset} * 512;
  if (at < 0) return std::nullopt;
  return BadBlockLogPlace{static_cast<std::uint64_t>(at), std::uint32_t{sb.bblog_size} * 512u};
}

MdVerdict check_md_acceptance(const LocatedMdSuperblock& loc, std::uint64_t device_bytes,
                              std::uint32_t device_logical_block_size, const std::string& device,
                              const std::optional<BadBlockLog>& bblog,
                              const std::string& bblog_error) {
  const MdSuperblock& sb = loc.sb;
  Checker c(loc, device);
  // super_1_load, in its order. Magic, major version, max_dev and super_offset are checked by the
  // decoder and the locator: a superblock that breaks them is not found at all.
  if (const std::uint32_t unknown = sb.feature_map & ~kFeatureAll) {
    c.fail(MdRule::UnknownFeature, "feature_map", hex(sb.feature_map),
           str_cat("no bits outside ", hex(kFeatureAll), " (unknown: ", hex(unknown), ")"));
  }
  if (!loc.checksum_ok()) {
    c.fail(MdRule::ChecksumMismatch, "sb_csum", hex(sb.sb_csum, 8),
           str_cat(hex(loc.computed_csum, 8), ", the sum of its bytes"));
  }
  if (sb.data_size < 10) {
    c.fail(MdRule::DataSizeTooSmall, "data_size", str_cat(sb.data_size, " sectors"),
           "at least 10");
  }
  if (sb.pad0 != 0 || !pad3_zero(sb)) {
    c.fail(MdRule::PaddingNonZero, sb.pad0 != 0 ? "pad0" : "pad3",
           sb.pad0 != 0 ? hex(sb.pad0) : "not all zero",
           "zero (a feature this kernel does not know)");
  }
  const std::uint64_t sb_start = loc.offset_bytes / 512;
  std::uint64_t sb_bytes = sb.max_dev * 2ull + 256;
  const std::uint64_t lbs = std::max<std::uint32_t>(512, device_logical_block_size);
  sb_bytes = (sb_bytes + lbs - 1) / lbs * lbs;
  if (loc.minor_version != 0) {
    const std::uint64_t first_free = sb_start + sb_bytes / 512;
    if (sb.data_offset < first_free) {
      c.fail(MdRule::DataOffsetInSuperblock, "data_offset", str_cat(sb.data_offset, " sectors"),
             str_cat("at least ", first_free, ", past the superblock"));
    }
    if ((sb.feature_map & kFeatureReshapeActive) && (sb.feature_map & kFeatureNewOffset)) {
      const std::int64_t nd = static_cast<std::int64_t>(sb.data_offset) + sb.new_offset;
      if (nd < static_cast<std::int64_t>(first_free)) {
        c.fail(MdRule::NewOffsetInSuperblock, "new_offset", std::to_string(sb.new_offset),
               str_cat("a new data offset of at least ", first_free, " sectors"));
      }
    }
  }
  if (sb.feature_map & kFeatureBadBlocks) {
    if (sb.bblog_size > kBadBlockLogMaxSectors) {
      c.fail(MdRule::BadBlockLogTooLarge, "bblog_size", str_cat(sb.bblog_size, " sectors"),
             str_cat("at most ", kBadBlockLogMaxSectors));
    } else if (sb.bblog_offset == 0) {
      c.fail(MdRule::BadBlockLogAtZero, "bblog_offset", "0",
             "the log's place, since feature_map says bad blocks are recorded");
    } else if (!bblog) {
      c.fail(MdRule::BadBlockLogUnreadable, "bblog_offset",
             str_cat(sb.bblog_offset, " sectors"), str_cat("a readable log (", bblog_error, ")"));
    } else if (sb.bblog_shift >= 64) {
      c.fail(MdRule::BadBlockShiftTooLarge, "bblog_shift", std::to_string(sb.bblog_shift),
             "below 64");
    } else if (std::string why = bad_block_log_refusal(*bblog); !why.empty()) {
      c.fail(MdRule::BadBlockEntryRefused, "bad-block log", why, "entries badblocks_set accepts");
    }
  }
  if ((sb.feature_map & kFeatureRaid0Layout) && sb.level != 0) {
    c.fail(MdRule::Raid0LayoutOnOtherLevel, "feature_map", hex(sb.feature_map),
           str_cat("no raid0-layout bit on level ", sb.level));
  }
  if (sb.feature_map & (kFeaturePpl | kFeatureMultiplePpls)) {
    if (sb.feature_map & (kFeatureBitmapOffset | kFeatureJournal)) {
      c.fail(MdRule::PplWithBitmap, "feature_map", hex(sb.feature_map),
             "a partial parity log without a bitmap or a journal");
    }
    if ((sb.feature_map & kFeaturePpl) && (sb.feature_map & kFeatureMultiplePpls)) {
      c.fail(MdRule::PplBothKinds, "feature_map", hex(sb.feature_map), "one kind of PPL");
    }
  }
  const std::uint64_t device_sectors = device_bytes / 512;
  const std::uint64_t room = loc.minor_version != 0
                                 ? (device_sectors > sb.data_offset ? device_sectors - sb.data_offset : 0)
                                 : sb_start;
  if (room < sb.data_size) {
    c.fail(MdRule::DataSizeBeyondDevice, "data_size", str_cat(sb.data_size, " sectors"),
           str_cat("at most ", room, " (the device has ", device_sectors, " sectors",
                   loc.minor_version != 0 ? str_cat(", data starts at ", sb.data_offset) : "",
                   ")"));
  }
  if (sb.role() == kRoleJournal && !(sb.feature_map & kFeatureJournal)) {
    c.fail(MdRule::JournalWithoutFeature, "dev_roles", str_cat("journal (", hex(kRoleJournal), ")"),
           "the journal feature bit with it");
  }
  return c.take();
}

std::string_view rdev_state_name(RdevState s) {
  switch (s) {
    case RdevState::InSync: return "in-sync";
    case RdevState::Spare: return "spare";
    case RdevState::Faulty: return "faulty";
    case RdevState::Journal: return "journal";
    case RdevState::Recovering: return "recovering";
    case RdevState::Replacement: return "replacement";
  }
  return "unknown";
}

MemberClass classify_member(const MdSuperblock& sb, const std::string& device) {
  MemberClass mc;
  mc.role = sb.role();
  mc.write_mostly = sb.devflags & 1;
  mc.failfast = sb.devflags & 2;
  const std::string where = str_cat(device, ": md superblock");
  if (mc.role == kRoleSpare || mc.role >= kRoleMax) {
    if (mc.role == kRoleFaulty) {
      mc.state = RdevState::Faulty;
      mc.why = str_cat(where, " marks it faulty (dev_roles[", sb.dev_number, "] = 0xfffe)");
    } else if (mc.role == kRoleJournal) {
      mc.state = RdevState::Journal;
      mc.why = str_cat(where, " makes it a journal device (dev_roles[", sb.dev_number,
                       "] = 0xfffd)");
    } else {
      mc.state = RdevState::Spare;
      mc.why = str_cat(where, " gives it no role (spare, dev_roles[", sb.dev_number, "])");
    }
    return mc;
  }
  mc.recovery_offset = sb.recovery_offset;
  mc.recovery_bitmap = sb.feature_map & kFeatureRecoveryBitmap;
  if (sb.feature_map & kFeatureReplacement) {
    mc.state = RdevState::Replacement;
    mc.why = str_cat(where, " has the replacement feature: it is being built to replace role ",
                     mc.role, ", rebuilt up to sector ", sb.recovery_offset);
  } else if (sb.feature_map & kFeatureRecoveryOffset) {
    // The kernel leaves In_sync clear for any member with this bit and resumes the recovery at
    // recovery_offset; one at or past the end finishes at once.
    if (sb.recovery_offset < sb.size) {
      mc.state = RdevState::Recovering;
      mc.why = str_cat(where, " has the recovery-offset feature with recovery_offset ",
                       sb.recovery_offset, " of ", sb.size,
                       " sectors: the kernel has not rebuilt it yet and resumes the recovery "
                       "there at the next assembly");
    }
  }
  return mc;
}

}  // namespace llb
