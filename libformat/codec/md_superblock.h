#pragma once
// The md v1.x superblock (struct mdp_superblock_1 in include/uapi/linux/raid/md_p.h): a plain
// host-order struct, decoded and encoded explicitly. All on-disk fields are little-endian.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "libformat/codec/status.h"

namespace llb {

inline constexpr std::uint32_t kMdSbMagic = 0xa92b4efc;
inline constexpr std::size_t kMdSbFixedBytes = 256;   // everything before dev_roles[]
inline constexpr std::size_t kMdSbMaxBytes = 4096;    // the kernel reads one 4 KiB block
inline constexpr std::uint32_t kMdSbMaxDev = (kMdSbMaxBytes - kMdSbFixedBytes) / 2;  // 1920
inline constexpr std::uint64_t kMaxSector = ~std::uint64_t{0};
// Metadata 1.2 keeps its superblock 4 KiB from the start of the member (1.1 at 0, 1.0 at the end).
inline constexpr std::uint64_t kMdSb12OffsetBytes = 4096;

// Special values of dev_roles[].
inline constexpr std::uint16_t kRoleSpare = 0xffff;
inline constexpr std::uint16_t kRoleFaulty = 0xfffe;
inline constexpr std::uint16_t kRoleJournal = 0xfffd;
inline constexpr std::uint16_t kRoleMax = 0xff00;

// feature_map bits.
enum MdFeature : std::uint32_t {
  kFeatureBitmapOffset = 1,
  kFeatureRecoveryOffset = 2,
  kFeatureReshapeActive = 4,
  kFeatureBadBlocks = 8,
  kFeatureReplacement = 16,
  kFeatureReshapeBackwards = 32,
  kFeatureNewOffset = 64,
  kFeatureRecoveryBitmap = 128,
  kFeatureClustered = 256,
  kFeatureJournal = 512,
  kFeaturePpl = 1024,
  kFeatureMultiplePpls = 2048,
  kFeatureRaid0Layout = 4096,
};
inline constexpr std::uint32_t kFeatureAll = 0x1fff;

// Field offsets inside the superblock.
namespace mdsb {
inline constexpr std::size_t kMagic = 0, kMajorVersion = 4, kFeatureMap = 8, kPad0 = 12,
                             kSetUuid = 16, kSetName = 32, kCtime = 64, kLevel = 72, kLayout = 76,
                             kSize = 80, kChunksize = 88, kRaidDisks = 92, kBitmapOffset = 96,
                             kNewLevel = 100, kReshapePosition = 104, kDeltaDisks = 112,
                             kNewLayout = 116, kNewChunk = 120, kNewOffset = 124,
                             kDataOffset = 128, kDataSize = 136, kSuperOffset = 144,
                             kRecoveryOffset = 152, kDevNumber = 160, kCntCorrectedRead = 164,
                             kDeviceUuid = 168, kDevflags = 184, kBblogShift = 185,
                             kBblogSize = 186, kBblogOffset = 188, kUtime = 192, kEvents = 200,
                             kResyncOffset = 208, kSbCsum = 216, kMaxDev = 220,
                             kLogicalBlockSize = 224, kPad3 = 228, kDevRoles = 256;
}  // namespace mdsb
static_assert(mdsb::kDataOffset == 128 && mdsb::kUtime == 192 && mdsb::kDevRoles == 256);

struct MdSuperblock {
  // constant array information
  std::uint32_t magic = kMdSbMagic;     // MD_SB_MAGIC
  std::uint32_t major_version = 1;      // always 1 for v1.x
  std::uint32_t feature_map = 0;        // MdFeature bits
  std::uint32_t pad0 = 0;               // zero when written
  std::array<std::uint8_t, 16> set_uuid{};  // the array UUID
  std::array<std::uint8_t, 32> set_name{};  // "host:name", NUL padded
  std::uint64_t ctime = 0;              // low 40 bits seconds, high 24 bits microseconds
  std::int32_t level = 0;               // 1 for RAID1; -1 linear
  std::uint32_t layout = 0;             // raid5/raid10 layout
  std::uint64_t size = 0;               // used size of each member, sectors
  std::uint32_t chunksize = 0;          // RAID chunk (not bitmap chunk), sectors
  std::uint32_t raid_disks = 0;
  std::int32_t bitmap_offset = 0;       // bitmap start, signed sectors from this superblock
  std::uint32_t new_level = 0;          // reshape fields, valid with kFeatureReshapeActive
  std::uint64_t reshape_position = 0;
  std::int32_t delta_disks = 0;
  std::uint32_t new_layout = 0;
  std::uint32_t new_chunk = 0;
  std::int32_t new_offset = 0;
  // constant this-device information
  std::uint64_t data_offset = 0;        // sector where data starts on this member
  std::uint64_t data_size = 0;          // sectors usable for data on this member
  std::uint64_t super_offset = 0;       // sector of this superblock
  std::uint64_t recovery_offset = 0;    // sectors already recovered (kFeatureRecoveryOffset)
  std::uint32_t dev_number = 0;         // index into dev_roles[]
  std::uint32_t cnt_corrected_read = 0;
  std::array<std::uint8_t, 16> device_uuid{};
  std::uint8_t devflags = 0;            // 1 write-mostly, 2 failfast
  std::uint8_t bblog_shift = 0;
  std::uint16_t bblog_size = 0;         // sectors reserved for the bad-block log
  std::int32_t bblog_offset = 0;        // signed sectors from this superblock
  // array state information
  std::uint64_t utime = 0;
  std::uint64_t events = 0;             // incremented when the superblock is updated
  std::uint64_t resync_offset = 0;      // kMaxSector when the array is clean
  std::uint32_t sb_csum = 0;
  std::uint32_t max_dev = 0;            // number of dev_roles[] entries
  std::uint32_t logical_block_size = 0; // 0 on arrays made before configurable LBS
  std::array<std::uint8_t, 28> pad3{};
  std::vector<std::uint16_t> dev_roles; // max_dev entries
  // Bytes after dev_roles[max_dev] up to the end of the block read, kept for round trips.
  std::vector<std::uint8_t> tail;

  std::size_t checksummed_bytes() const { return kMdSbFixedBytes + 2u * max_dev; }
  // The role of this member, or kRoleSpare when dev_number is past max_dev.
  std::uint16_t role() const;
};

// Decodes `bytes` (at least 256 bytes, normally a 4 KiB block). Checks the magic, the major version
// and max_dev; not the checksum, which the caller checks with md_sb_checksum().
Result<MdSuperblock> decode_md_superblock(std::span<const std::uint8_t> bytes, const Where& where);
// Encodes into `out` (at least checksummed_bytes() + tail.size() bytes). Writes sb.sb_csum as is.
Status encode_md_superblock(const MdSuperblock& sb, std::span<std::uint8_t> out);
// calc_sb_1_csum: 32-bit sum of the little-endian words of the first 256 + 2*max_dev bytes with the
// sb_csum field taken as zero, folded once.
std::uint32_t md_sb_checksum(const MdSuperblock& sb);
std::uint32_t md_sb_checksum_bytes(std::span<const std::uint8_t> bytes, std::uint32_t max_dev);

// A superblock as found on a member: which of the three places, and whether its checksum holds.
struct LocatedMdSuperblock {
  int minor_version = 2;             // 0, 1 or 2 for metadata 1.0, 1.1, 1.2
  std::uint64_t offset_bytes = 0;    // where it was read
  MdSuperblock sb;
  std::uint32_t computed_csum = 0;   // calc_sb_1_csum over the bytes read
  bool checksum_ok() const { return computed_csum == sb.sb_csum; }
};

// The sector where a 1.<minor> superblock sits on a device of `device_sectors` sectors.
std::uint64_t md_sb_offset_sectors(int minor_version, std::uint64_t device_sectors);

// Names of the feature bits that are set ("bitmap-offset", ...); unknown bits as "unknown(0x...)".
std::vector<std::string> md_feature_names(std::uint32_t feature_map);

std::string uuid_colon(const std::array<std::uint8_t, 16>& u);  // mdadm: 8:8:8:8 hex
std::string uuid_dashed(const std::array<std::uint8_t, 16>& u);  // blkid: 8-4-4-4-12
std::string md_set_name(const MdSuperblock& sb);                 // up to the first NUL
std::string md_level_name(std::int32_t level);                   // "raid1", "linear", ...

}  // namespace llb
