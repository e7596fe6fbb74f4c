// Decoding and encoding the md v1.x superblock on real bytes written by Linux 7.2, and every
// decoder error path on corrupted copies of them.

#include <gtest/gtest.h>

#include "libformat/codec/endian.h"
#include "libformat/io/md_locate.h"
#include "libformat/codec/md_superblock.h"
#include "libformat/report/mdadm_format.h"
#include "tests/test_util.h"

namespace llb {
namespace {

std::vector<std::uint8_t> real_sb_block() {
  auto dev = open_device(test::fixture_image("b-crash-dirty", "vda"), Access::ReadOnly);
  EXPECT_TRUE(dev.ok()) << dev.status().to_string();
  auto raw = read_bytes(**dev, 4096, 4096);
  EXPECT_TRUE(raw.ok());
  return *raw;
}

const Where kWhere{"test", 4096, "md superblock"};

TEST(MdSuperblockDecode, ReadsEveryFieldOfARealSuperblock) {
  auto b = real_sb_block();
  auto sb = decode_md_superblock(b, kWhere);
  ASSERT_TRUE(sb.ok()) << sb.status().to_string();
  EXPECT_EQ(sb->magic, kMdSbMagic);
  EXPECT_EQ(sb->feature_map, 1u);
  EXPECT_EQ(uuid_colon(sb->set_uuid), "d57ae016:27ef5484:d6c86f39:a82cb273");
  EXPECT_EQ(uuid_dashed(sb->set_uuid), "d57ae016-27ef-5484-d6c8-6f39a82cb273");
  EXPECT_EQ(md_set_name(*sb), "(none):0");
  EXPECT_EQ(sb->level, 1);
  EXPECT_EQ(sb->size, 260096u);
  EXPECT_EQ(sb->raid_disks, 2u);
  EXPECT_EQ(sb->bitmap_offset, 8);
  EXPECT_EQ(sb->data_offset, 2048u);
  EXPECT_EQ(sb->data_size, 260096u);
  EXPECT_EQ(sb->super_offset, 8u);
  EXPECT_EQ(sb->dev_number, 0u);
  EXPECT_EQ(sb->bblog_size, 8u);
  EXPECT_EQ(sb->bblog_offset, 16);
  EXPECT_EQ(sb->events, 3u);
  EXPECT_EQ(sb->resync_offset, 0u);
  EXPECT_EQ(sb->sb_csum, 0x475703e5u);
  EXPECT_EQ(sb->max_dev, 128u);
  EXPECT_EQ(sb->logical_block_size, 512u);
  ASSERT_EQ(sb->dev_roles.size(), 128u);
  EXPECT_EQ(sb->dev_roles[0], 0);
  EXPECT_EQ(sb->dev_roles[1], 1);
  EXPECT_EQ(sb->dev_roles[2], kRoleSpare);
  EXPECT_EQ(sb->role(), 0);
}

TEST(MdSuperblockDecode, ChecksumOfRealSuperblockMatchesTheStoredOne) {
  auto b = real_sb_block();
  auto sb = decode_md_superblock(b, kWhere);
  ASSERT_TRUE(sb.ok());
  EXPECT_EQ(md_sb_checksum_bytes(b, sb->max_dev), 0x475703e5u);
  EXPECT_EQ(md_sb_checksum(*sb), 0x475703e5u);
}

TEST(MdSuperblockEncode, RoundTripsEveryRealSuperblockByteForByte) {
  for (const auto& scenario : test::realkernel_scenarios()) {
    for (const auto& member : test::scenario_members(scenario)) {
      auto dev = open_device(test::fixture_image(scenario, member), Access::ReadOnly);
      ASSERT_TRUE(dev.ok());
      auto b = read_bytes(**dev, 4096, 4096);
      ASSERT_TRUE(b.ok());
      auto sb = decode_md_superblock(*b, kWhere);
      ASSERT_TRUE(sb.ok()) << scenario << "/" << member;
      std::vector<std::uint8_t> out(4096, 0xaa);
      ASSERT_TRUE(encode_md_superblock(*sb, out).ok());
      EXPECT_EQ(out, *b) << scenario << "/" << member;
    }
  }
}

TEST(MdSuperblockDecode, RejectsBadMagic) {
  auto b = real_sb_block();
  b[0] ^= 0xff;
  auto sb = decode_md_superblock(b, kWhere);
  ASSERT_FALSE(sb.ok());
  EXPECT_EQ(sb.status().code(), Code::BadMagic);
  EXPECT_NE(sb.status().message().find("field magic is 0xa92b4e03, expected 0xa92b4efc"),
            std::string::npos)
      << sb.status().message();
  EXPECT_NE(sb.status().message().find("test: md superblock at byte 4096"), std::string::npos);
}

TEST(MdSuperblockDecode, RejectsMajorVersionOtherThanOne) {
  auto b = real_sb_block();
  put_le32(b, mdsb::kMajorVersion, 0);
  auto sb = decode_md_superblock(b, kWhere);
  ASSERT_FALSE(sb.ok());
  EXPECT_EQ(sb.status().code(), Code::BadVersion);
}

TEST(MdSuperblockDecode, RejectsMaxDevBeyondTheKernelsLimit) {
  auto b = real_sb_block();
  put_le32(b, mdsb::kMaxDev, 1921);
  auto sb = decode_md_superblock(b, kWhere);
  ASSERT_FALSE(sb.ok());
  EXPECT_EQ(sb.status().code(), Code::BadField);
  EXPECT_NE(sb.status().message().find("max_dev is 1921, expected at most 1920"),
            std::string::npos);
}

TEST(MdSuperblockDecode, RejectsMaxDevPastTheBytesRead) {
  auto b = real_sb_block();
  b.resize(512);
  put_le32(b, mdsb::kMaxDev, 200);
  auto sb = decode_md_superblock(b, kWhere);
  ASSERT_FALSE(sb.ok());
  EXPECT_EQ(sb.status().code(), Code::ShortRead);
}

TEST(MdSuperblockDecode, RejectsBufferShorterThanTheFixedPart) {
  std::vector<std::uint8_t> b(255, 0);
  auto sb = decode_md_superblock(b, kWhere);
  ASSERT_FALSE(sb.ok());
  EXPECT_EQ(sb.status().code(), Code::ShortRead);
}

TEST(MdSuperblockChecksum, DetectsASingleFlippedBit) {
  auto b = real_sb_block();
  b[mdsb::kEvents] ^= 1;
  auto sb = decode_md_superblock(b, kWhere);
  ASSERT_TRUE(sb.ok());
  EXPECT_NE(md_sb_checksum_bytes(b, sb->max_dev), sb->sb_csum);
}

TEST(MdSuperblockChecksum, CountsAnOddTrailingHalfWord) {
  // max_dev odd: 256 + 2*3 bytes, the last two bytes are summed as a 16-bit word.
  std::vector<std::uint8_t> b(512, 0);
  put_le32(b, mdsb::kMagic, kMdSbMagic);
  put_le32(b, mdsb::kMajorVersion, 1);
  put_le32(b, mdsb::kMaxDev, 3);
  put_le16(b, mdsb::kDevRoles + 4, 0x1234);
  put_le16(b, mdsb::kDevRoles + 6, 0x5678);  // past max_dev: not summed
  std::uint64_t expect = kMdSbMagic + 1 + 3 + 0x1234;
  EXPECT_EQ(md_sb_checksum_bytes(b, 3), static_cast<std::uint32_t>(expect));
}

TEST(MdSuperblockChecksum, FoldsTheCarryOnce) {
  std::vector<std::uint8_t> b(256, 0xff);
  put_le32(b, mdsb::kMaxDev, 0);
  // 62 words of 0xffffffff plus max_dev 0 (sb_csum excluded): sum = 62 * 0xffffffff.
  std::uint64_t sum = 62ull * 0xffffffffull;
  std::uint32_t expect = static_cast<std::uint32_t>((sum & 0xffffffff) + (sum >> 32));
  EXPECT_EQ(md_sb_checksum_bytes(b, 0), expect);
}

TEST(MdFeatureNames, NamesKnownBitsAndReportsUnknownOnes) {
  auto n = md_feature_names(kFeatureBitmapOffset | kFeatureBadBlocks | 0x10000);
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(n[0], "bitmap-offset");
  EXPECT_EQ(n[1], "bad-blocks");
  EXPECT_EQ(n[2], "unknown(0x10000)");
}

// The "Array State" line has one character per role position, and raid_disks comes from disk.
// A fuzzed superblock claiming 2^32-1 raid disks once made examine loop for half an hour.
std::string array_state_line(const MdSuperblock& sb) {
  std::string text = mdadm_examine_text(sb, 1 << 20, sb.sb_csum, 0);
  auto at = text.find("   Array State : ");
  if (at == std::string::npos) return "";
  return text.substr(at, text.find('\n', at) - at);
}

TEST(MdadmExamineText, ArrayStateOfARealSuperblockIsOneCharacterPerDisk) {
  auto sb = decode_md_superblock(real_sb_block(), kWhere);
  ASSERT_TRUE(sb.ok());
  EXPECT_EQ(array_state_line(*sb),
            "   Array State : AA ('A' == active, '.' == missing, 'R' == replacing)");
}

TEST(MdadmExamineText, HugeRaidDisksIsSummarisedNotPrintedOneByOne) {
  auto sb = decode_md_superblock(real_sb_block(), kWhere);
  ASSERT_TRUE(sb.ok());
  sb->raid_disks = 0xffffffffu;
  std::string line = array_state_line(*sb);
  // Roles 0 and 1 are active, the rest of the 1920 positions a superblock can name are missing,
  // and the other 2^32-1-1920 are counted.
  EXPECT_EQ(line, "   Array State : AA" + std::string(kMdSbMaxDev - 2, '.') + " (+" +
                      std::to_string(0xffffffffull - kMdSbMaxDev) +
                      " more missing) ('A' == active, '.' == missing, 'R' == replacing)");
  // A role past the 1920 slots is still shown at its position.
  sb->dev_roles[1] = 5000;
  line = array_state_line(*sb);
  EXPECT_EQ(line.substr(17, 5001), "A" + std::string(4999, '.') + "A");
  EXPECT_NE(line.find("(+" + std::to_string(0xffffffffull - 5001) + " more missing)"),
            std::string::npos);
}

TEST(MdLocate, FindsEachMinorVersionAtItsPlace) {
  for (int minor : {0, 1, 2}) {
    MemoryDevice dev("mem", 1 << 20);
    MdSuperblock sb;
    sb.set_uuid = test::test_uuid(3);
    sb.max_dev = 4;
    sb.dev_roles.assign(4, kRoleSpare);
    sb.super_offset = md_sb_offset_sectors(minor, 2048);
    sb.sb_csum = md_sb_checksum(sb);
    std::vector<std::uint8_t> bytes(264, 0);
    ASSERT_TRUE(encode_md_superblock(sb, bytes).ok());
    ASSERT_TRUE(dev.write_at(sb.super_offset * 512, bytes).ok());
    auto loc = locate_md_superblock(dev);
    ASSERT_TRUE(loc.ok()) << minor << ": " << loc.status().to_string();
    EXPECT_EQ(loc->minor_version, minor);
    EXPECT_TRUE(loc->checksum_ok());
  }
  EXPECT_EQ(md_sb_offset_sectors(0, 2048), 2032u);   // (2048 - 16) & ~7
  EXPECT_EQ(md_sb_offset_sectors(0, 2053), 2032u);   // 2037 rounded down to 4 KiB
  EXPECT_EQ(md_sb_offset_sectors(1, 2048), 0u);
  EXPECT_EQ(md_sb_offset_sectors(2, 2048), 8u);
}

TEST(MdLocate, ReportsNotFoundOnAnEmptyDevice) {
  MemoryDevice dev("empty", 1 << 20);
  auto loc = locate_md_superblock(dev);
  ASSERT_FALSE(loc.ok());
  EXPECT_EQ(loc.status().code(), Code::NotFound);
  EXPECT_NE(loc.status().message().find("empty: no md v1.x superblock"), std::string::npos);
}

TEST(MdLocate, RejectsACopyWhoseSuperOffsetIsWrong) {
  MemoryDevice dev("mem", 1 << 20);
  MdSuperblock sb;
  sb.max_dev = 0;
  sb.super_offset = 0;  // claims 1.1, but sits at the 1.2 place
  std::vector<std::uint8_t> bytes(256, 0);
  ASSERT_TRUE(encode_md_superblock(sb, bytes).ok());
  ASSERT_TRUE(dev.write_at(4096, bytes).ok());
  auto r = read_md_superblock_at(dev, 2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::BadField);
  EXPECT_NE(r.status().message().find("super_offset is 0 sectors, expected 8"), std::string::npos);
}

TEST(MdLocate, RefusesADeviceTooSmallForMetadata) {
  MemoryDevice dev("tiny", 23 * 512);
  auto loc = locate_md_superblock(dev);
  ASSERT_FALSE(loc.ok());
  EXPECT_NE(loc.status().message().find("too small"), std::string::npos);
}

}  // namespace
}  // namespace llb
