// The bitmap superblock codec on real bytes, and the kernel's version-6 checks, each outcome on
// its own.

#include <gtest/gtest.h>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/codec/endian.h"
#include "libformat/codec/llbitmap_validate.h"
#include "libformat/io/md_locate.h"
#include "tests/test_util.h"

namespace llb {
namespace {

struct Real {
  MdSuperblock md;
  std::vector<std::uint8_t> raw;
  BitmapSuperblock bsb;
};

Real real(const std::string& scenario = "b-crash-dirty") {
  auto dev = open_device(test::fixture_image(scenario, "vda"), Access::ReadOnly);
  EXPECT_TRUE(dev.ok());
  auto loc = locate_md_superblock(**dev);
  EXPECT_TRUE(loc.ok());
  auto raw = read_bytes(**dev, 8192, 256);
  EXPECT_TRUE(raw.ok());
  auto bsb = decode_bitmap_superblock(*raw, {"t", 8192, "bitmap superblock"});
  EXPECT_TRUE(bsb.ok());
  return {loc->sb, *raw, *bsb};
}

BitmapVerdict check(const BitmapSuperblock& b, const MdSuperblock& md) {
  return validate_llbitmap(b, md, 2, KernelVersion::Upstream, "t", 8192);
}

TEST(BitmapSuperblockDecode, ReadsTheFieldsLinuxWrote) {
  Real r = real();
  EXPECT_EQ(r.bsb.magic, kBitmapMagic);
  EXPECT_EQ(r.bsb.version, 6u);
  EXPECT_EQ(r.bsb.uuid, r.md.set_uuid);
  EXPECT_EQ(r.bsb.events, 3u);
  EXPECT_EQ(r.bsb.events_cleared, 0u);
  EXPECT_EQ(r.bsb.sync_size, 260096u);
  EXPECT_EQ(r.bsb.state, 0u);
  EXPECT_EQ(r.bsb.chunksize, 128u);
  EXPECT_EQ(r.bsb.daemon_sleep, 30u);
  EXPECT_EQ(r.bsb.sectors_reserved, 256u);
}

TEST(BitmapSuperblockEncode, RoundTripsRealBytes) {
  for (const auto& scenario : test::realkernel_scenarios()) {
    Real r = real(scenario);
    std::vector<std::uint8_t> out(256, 0x55);
    ASSERT_TRUE(encode_bitmap_superblock(r.bsb, out).ok());
    EXPECT_EQ(out, r.raw) << scenario;
  }
}

TEST(BitmapSuperblockDecode, RejectsBadMagic) {
  Real r = real();
  r.raw[3] = 0;
  auto b = decode_bitmap_superblock(r.raw, {"t", 8192, "bitmap superblock"});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), Code::BadMagic);
  EXPECT_NE(b.status().message().find("expected 0x6d746962"), std::string::npos);
}

TEST(BitmapSuperblockDecode, RejectsShortBuffer) {
  std::vector<std::uint8_t> b(100, 0);
  auto r = decode_bitmap_superblock(b, {"t", 0, "bitmap superblock"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::ShortRead);
}

TEST(BitmapSuperblockStateNames, NamesFirstUseAndClean) {
  auto n = bitmap_state_names(0x18);
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0], "first-use");
  EXPECT_EQ(n[1], "clean");
}

TEST(LlbitmapValidate, AcceptsWhatTheKernelWrote) {
  Real r = real();
  BitmapVerdict v = check(r.bsb, r.md);
  EXPECT_TRUE(v.loadable);
  EXPECT_TRUE(v.findings.empty()) << v.findings[0].message;
}

TEST(LlbitmapValidate, RefusesBadMagic) {
  Real r = real();
  r.bsb.magic = 0;
  BitmapVerdict v = check(r.bsb, r.md);
  EXPECT_FALSE(v.loadable);
  EXPECT_TRUE(v.has(BitmapCheck::BadMagic));
}

TEST(LlbitmapValidate, RefusesClassicVersion) {
  Real r = real();
  r.bsb.version = 4;
  BitmapVerdict v = check(r.bsb, r.md);
  EXPECT_FALSE(v.loadable);
  EXPECT_TRUE(v.has(BitmapCheck::BadVersion));
}

TEST(LlbitmapValidate, RefusesUuidMismatch) {
  Real r = real();
  r.bsb.uuid[5] ^= 1;
  BitmapVerdict v = check(r.bsb, r.md);
  EXPECT_FALSE(v.loadable);
  ASSERT_TRUE(v.has(BitmapCheck::UuidMismatch));
  EXPECT_NE(v.findings[0].message.find("d57ae016:27ef5484:d6c86f39:a82cb273 (the array UUID)"),
            std::string::npos);
}

TEST(LlbitmapValidate, FirstUseSkipsTheRemainingChecks) {
  Real r = real("g-assume-clean");
  BitmapVerdict v = check(r.bsb, r.md);
  EXPECT_TRUE(v.loadable);
  EXPECT_TRUE(v.first_use);
  EXPECT_TRUE(v.assume_clean);
  ASSERT_EQ(v.findings.size(), 1u);  // the placeholder chunksize and events 0 are not reported
  EXPECT_EQ(v.findings[0].check, BitmapCheck::FirstUse);
}

TEST(LlbitmapValidate, RfcFirstUseIsBitTwo) {
  Real r = real();
  r.bsb.state = 1u << kRfcFirstUseBit;
  EXPECT_TRUE(validate_llbitmap(r.bsb, r.md, 2, KernelVersion::Rfc, "t", 0).first_use);
  EXPECT_FALSE(validate_llbitmap(r.bsb, r.md, 2, KernelVersion::Upstream, "t", 0).first_use);
}

TEST(LlbitmapValidate, RefusesChunksizeNotPowerOfTwo) {
  Real r = real();
  r.bsb.chunksize = 192;
  BitmapVerdict v = check(r.bsb, r.md);
  EXPECT_FALSE(v.loadable);
  EXPECT_TRUE(v.has(BitmapCheck::ChunksizeNotPowerOfTwo));
}

TEST(LlbitmapValidate, RefusesChunksizeTooSmallForTheReservedSpace) {
  Real r = real();
  // 260096 sectors in 256 reserved sectors (131072 bytes): at least 2 sectors per chunk.
  r.bsb.chunksize = 1;
  BitmapVerdict v = check(r.bsb, r.md);
  EXPECT_FALSE(v.loadable);
  ASSERT_TRUE(v.has(BitmapCheck::ChunksizeTooSmall));
  r.bsb.chunksize = 2;
  EXPECT_TRUE(check(r.bsb, r.md).loadable);
}

TEST(LlbitmapValidate, RefusesDaemonSleepZero) {
  Real r = real();
  r.bsb.daemon_sleep = 0;
  BitmapVerdict v = check(r.bsb, r.md);
  EXPECT_FALSE(v.loadable);
  EXPECT_TRUE(v.has(BitmapCheck::DaemonSleepOutOfRange));
}

TEST(LlbitmapValidate, MarksStaleWhenBitmapEventsAreBehind) {
  Real r = real();
  r.md.events = 4;
  BitmapVerdict v = check(r.bsb, r.md);
  EXPECT_TRUE(v.loadable);
  EXPECT_TRUE(v.stale);
  EXPECT_TRUE(v.has(BitmapCheck::Stale));
  r.md.events = 2;  // bitmap ahead of the md superblock is normal: it is written first
  EXPECT_FALSE(check(r.bsb, r.md).stale);
}

TEST(LlbitmapValidate, WarnsAboutWriteBehindAndSyncSize) {
  Real r = real();
  r.bsb.write_behind = 256;
  r.bsb.sync_size = 1;
  BitmapVerdict v = check(r.bsb, r.md);
  EXPECT_TRUE(v.loadable);
  EXPECT_TRUE(v.has(BitmapCheck::WriteBehind));
  EXPECT_TRUE(v.has(BitmapCheck::SyncSizeMismatch));
}

TEST(LlbitmapValidate, SpaceComesFromSectorsReservedOrTheKernelsDefault) {
  Real r = real();
  EXPECT_EQ(bitmap_space_sectors(r.md, 2, r.bsb), 256u);
  r.bsb.sectors_reserved = 0;
  EXPECT_EQ(bitmap_space_sectors(r.md, 2, r.bsb), 6u);
  r.md.bitmap_offset = -64;
  EXPECT_EQ(bitmap_space_sectors(r.md, 0, r.bsb), 64u);
  r.md.bitmap_offset = 2;
  EXPECT_EQ(bitmap_space_sectors(r.md, 0, r.bsb), 6u);
}

}  // namespace
}  // namespace llb
