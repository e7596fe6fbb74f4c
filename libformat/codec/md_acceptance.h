#pragma once
// Whether the kernel accepts a member's v1.x superblock, rule by rule, as super_1_load and the
// per-member part of super_1_validate apply them (drivers/md/md.c), and what the kernel makes of
// the member once accepted: in sync, spare, faulty, journal, still being recovered, a replacement.
// Every tool asks here: a member the kernel would refuse is never a resync source or target, and
// no tool rewrites a checksum over fields that break one of these rules.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libformat/codec/bad_block_log.h"
#include "libformat/codec/md_superblock.h"

namespace llb {

enum class MdRule : std::uint8_t {
  ChecksumMismatch,        // sb_csum disagrees with calc_sb_1_csum
  UnknownFeature,          // feature_map bits outside MD_FEATURE_ALL
  DataSizeTooSmall,        // data_size below 10 sectors
  PaddingNonZero,          // pad0 or pad3 not zero (check_new_feature)
  DataOffsetInSuperblock,  // data starts inside the superblock's own sectors (1.1, 1.2)
  NewOffsetInSuperblock,   // the reshape's new data offset does too
  DataSizeBeyondDevice,    // data_size larger than the device leaves after data_offset
  BadBlockLogTooLarge,     // bblog_size above one page
  BadBlockLogAtZero,       // bad blocks recorded but bblog_offset is 0
  BadBlockShiftTooLarge,   // bblog_shift of 64 or more
  BadBlockLogUnreadable,   // the log's sectors cannot be read
  BadBlockEntryRefused,    // badblocks_set refuses an entry of the log
  Raid0LayoutOnOtherLevel, // the raid0-layout feature on a level other than 0
  PplWithBitmap,           // a partial parity log together with a bitmap or a journal
  PplBothKinds,            // both PPL feature bits
  JournalWithoutFeature,   // journal role without the journal feature
};
std::string_view md_rule_code(MdRule r);  // finding code: "md-checksum-mismatch", ...

struct MdRuleFinding {
  MdRule rule;
  std::string message;  // names device, offset, field, value and expectation
};

struct MdVerdict {
  std::vector<MdRuleFinding> findings;  // every rule broken; empty: the kernel accepts it
  bool accepted() const { return findings.empty(); }
  bool breaks(MdRule r) const;
  // The checksum is the only rule broken: rewriting sb_csum makes the kernel accept the rest.
  bool only_checksum() const {
    return findings.size() == 1 && findings.front().rule == MdRule::ChecksumMismatch;
  }
};

// `bblog` is the decoded bad-block log when feature_map has the bad-blocks bit and the log could be
// read (nullopt otherwise; `bblog_error` says why it could not).
MdVerdict check_md_acceptance(const LocatedMdSuperblock& loc, std::uint64_t device_bytes,
                              std::uint32_t device_logical_block_size, const std::string& device,
                              const std::optional<BadBlockLog>& bblog,
                              const std::string& bblog_error);

// Where the bad-block log sits on the member, when the superblock names one.
struct BadBlockLogPlace {
  std::uint64_t offset_bytes = 0;  // absolute
  std::uint32_t size_bytes = 0;
};
std::optional<BadBlockLogPlace> bad_block_log_place(const LocatedMdSuperblock& loc);

// What the kernel makes of an accepted member, from its own superblock.
enum class RdevState : std::uint8_t {
  InSync,       // an active mirror the kernel reads from
  Spare,        // no role
  Faulty,       // marked failed
  Journal,      // a raid456 journal device
  Recovering,   // a role, but rebuilt only up to recovery_offset: the kernel resumes recovery
  Replacement,  // being built to replace the member holding its role
};
std::string_view rdev_state_name(RdevState s);  // "in-sync", "recovering", ...

struct MemberClass {
  RdevState state = RdevState::InSync;
  std::uint16_t role = 0;            // dev_roles[dev_number]
  bool write_mostly = false;         // devflags WriteMostly1: not read from while others can be
  bool failfast = false;
  std::uint64_t recovery_offset = 0; // Recovering / Replacement: sectors already rebuilt
  bool recovery_bitmap = false;      // the rebuild is bitmap-driven (MD_FEATURE_RECOVERY_BITMAP)
  std::string why;                   // for every state but InSync: the field that says so
  // The kernel reads data from this member (an in-sync mirror).
  bool readable_mirror() const { return state == RdevState::InSync; }
};
MemberClass classify_member(const MdSuperblock& sb, const std::string& device);

}  // namespace llb
