// Chunk sizing and the sector <-> chunk <-> state byte mapping of both layouts.

#include <gtest/gtest.h>

#include "libformat/codec/create.h"
#include "libformat/codec/llbitmap_geometry.h"
#include "tests/test_util.h"

namespace llb {
namespace {

TEST(LlbitmapGeometry, StartsAt64KiBAndDoublesWhileChunksExceedReservedBytes) {
  EXPECT_EQ(initial_chunksize_sectors(260096, 256), 128u);           // 127 MiB: 2032 chunks
  EXPECT_EQ(initial_chunksize_sectors(131072ull * 128, 256), 128u);  // exactly 131072 chunks
  EXPECT_EQ(initial_chunksize_sectors(131072ull * 128 + 1, 256), 256u);
  EXPECT_EQ(initial_chunksize_sectors(9ull << 21, 256), 256u);       // 9 GiB: 73728 chunks
  EXPECT_EQ(initial_chunksize_sectors(1ull << 40, 256), 1u << 23);   // 512 TiB
}

TEST(LlbitmapGeometry, MapsSectorsChunksAndStateBytes) {
  ArraySpec spec = test::small_array(128);
  Geometry g = spec_geometry(spec);
  EXPECT_EQ(g.resync_sectors, 260096u);
  EXPECT_EQ(g.chunksize_sectors, 128u);
  EXPECT_EQ(g.chunkshift, 7u);
  EXPECT_EQ(g.chunks, 2032u);
  EXPECT_EQ(g.bitmap_offset_bytes, 8192u);
  EXPECT_EQ(g.state_byte_offset(0), 9216u);
  EXPECT_EQ(g.state_byte_offset(2031), 11247u);
  EXPECT_EQ(g.chunk_of_sector(20480 + 64), 160u);  // 10 MiB + 32 KiB
  EXPECT_EQ(g.chunk_start_sector(640), 81920u);
  EXPECT_EQ(g.pages(), 1u);
  EXPECT_EQ(g.block_first_chunk(16, 512), 0u);
  EXPECT_EQ(g.block_first_chunk(640, 512), 512u);
}

TEST(LlbitmapGeometry, LastChunkMayBePartial) {
  ArraySpec spec = test::small_array(64);
  spec.member_size_bytes += 512 * 5;  // 5 sectors past a chunk boundary
  Geometry g = spec_geometry(spec);
  EXPECT_EQ(g.chunks, 1009u);
  EXPECT_EQ(g.chunk_sectors(1007), 128u);
  EXPECT_EQ(g.chunk_sectors(1008), 5u);
  EXPECT_EQ(g.chunk_sectors(1009), 0u);
}

TEST(LlbitmapGeometry, RfcLayoutPutsStatesOnePageAfterTheSuperblock) {
  ArraySpec spec = test::small_array(64, 2, KernelVersion::Rfc);
  Geometry g = spec_geometry(spec);
  EXPECT_EQ(g.state_byte_offset(0), 8192u + 4096u);
  EXPECT_EQ(g.pages(), 2u);
}

TEST(LlbitmapGeometry, PagesCountTheKernelsCachedPages) {
  ArraySpec spec = test::small_array(9 * 1024);
  Geometry g = spec_geometry(spec);
  EXPECT_EQ(g.chunksize_sectors, 256u);
  EXPECT_EQ(g.pages(), (1024 + g.chunks + 4095) / 4096);
}

TEST(ResyncMaxSectors, IsTheMemberSizeForRaid1AndTheArraySizeForRaid10) {
  MdSuperblock sb;
  sb.level = 1;
  sb.size = 1000;
  sb.raid_disks = 3;
  EXPECT_EQ(resync_max_sectors(sb), 1000u);
  sb.level = 10;
  sb.raid_disks = 4;
  sb.layout = 0x102;  // near=2
  EXPECT_EQ(resync_max_sectors(sb), 2000u);
}

}  // namespace
}  // namespace llb
