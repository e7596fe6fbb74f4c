// Block I/O and discovery on real files and real block devices: libblkid probes, BLKGETSIZE64 and
// BLKSSZGET through a loop device, and exclusive opens refused while something else holds the
// device. Loop-device tests need root and skip with a message elsewhere.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "libformat/io/block_device.h"
#include "libformat/io/discover.h"
#include "libformat/ops/examine.h"
#include "tests/test_util.h"

namespace llb {
namespace {

using test::LoopDevice;

TEST(Discover, ProbesAnImageFileAsLinuxRaidMember) {
  ProbeResult r = probe_path(test::fixture_image("b-crash-dirty", "vda"));
  ASSERT_EQ(r.outcome, ProbeOutcome::Found) << r.message;
  EXPECT_EQ(r.type, "linux_raid_member");
  EXPECT_EQ(r.uuid, "d57ae016-27ef-5484-d6c8-6f39a82cb273");
  EXPECT_EQ(r.uuid_sub, "387fd5b6-8007-f289-f16d-6db9d637dbe6");
  EXPECT_EQ(r.version, "1.2");
}

TEST(Discover, BlankFileIsNotFoundAndMissingFileIsAnError) {
  test::TempCopy copy(LLB_SOURCE_DIR "/CMakeLists.txt", "blank.img");
  const std::string& path = copy.path();
  std::filesystem::resize_file(path, 1 << 20);
  EXPECT_EQ(probe_path(path).outcome, ProbeOutcome::NotFound);
  EXPECT_EQ(probe_path("/nonexistent/x").outcome, ProbeOutcome::Error);
}

TEST(Discover, ListsBlockDevicesFromProcPartitions) {
  for (const std::string& d : list_block_devices()) EXPECT_EQ(d.rfind("/dev/", 0), 0u) << d;
}

TEST(BlockDevice, ReadsAnImageFileAndRefusesReadsPastItsEnd) {
  auto dev = open_device(test::fixture_image("a-clean-stop", "vda"), Access::ReadOnly);
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ((*dev)->kind(), DeviceKind::ImageFile);
  EXPECT_EQ((*dev)->size_bytes(), 64u << 20);
  EXPECT_FALSE((*dev)->writable());
  std::vector<std::uint8_t> buf(16);
  Status st = (*dev)->read_at((64u << 20) - 8, buf);
  EXPECT_EQ(st.code(), Code::ShortRead);
  EXPECT_EQ((*dev)->write_at(0, buf).code(), Code::ReadOnly);
}

TEST(BlockDevice, AByteViewWritesIntoItsOwnersBufferOnlyWhenGivenOneToWrite) {
  std::vector<std::uint8_t> buffer(1024, 0);
  ByteViewDevice writable("w", std::span<std::uint8_t>(buffer));
  EXPECT_TRUE(writable.writable());
  const std::uint8_t bytes[] = {1, 2, 3};
  ASSERT_TRUE(writable.write_at(1000, bytes).ok());
  EXPECT_EQ(buffer[1000], 1);
  EXPECT_EQ(buffer[1002], 3);
  const Status past = writable.write_at(1022, bytes);
  EXPECT_EQ(past.code(), Code::InvalidArgument);
  EXPECT_NE(past.message().find("goes past the end of the device (1024 bytes)"), std::string::npos);
  EXPECT_EQ(buffer[1022], 0);

  ByteViewDevice read_only("r", std::span<const std::uint8_t>(buffer));
  EXPECT_FALSE(read_only.writable());
  EXPECT_EQ(read_only.write_at(0, bytes).code(), Code::ReadOnly);
  std::uint8_t out[3];
  ASSERT_TRUE(read_only.read_at(1000, out).ok());
  EXPECT_EQ(out[1], 2);
  EXPECT_EQ(buffer[0], 0);
}

TEST(BlockDevice, SecondExclusiveWriterOfAnImageIsRefused) {
  test::TempCopy copy(test::fixture_image("a-clean-stop", "vda"), "excl.img");
  const std::string& path = copy.path();
  auto first = open_device(path, Access::ReadWriteExclusive);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  auto second = open_device(path, Access::ReadWriteExclusive);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::Busy);
  EXPECT_NE(second.status().message().find("locked by another process"), std::string::npos);
}

TEST(LoopDevice, SizeLogicalBlockSizeAndProbeComeFromTheKernel) {
  test::TempCopy copy(test::fixture_image("b-crash-dirty", "vdb"), "loop.img");
  const std::string& path = copy.path();
  LoopDevice loop(path);
  if (loop.path().empty()) GTEST_SKIP() << "cannot set up a loop device here: " << loop.error();
  auto dev = open_device(loop.path(), Access::ReadOnly);
  ASSERT_TRUE(dev.ok()) << dev.status().to_string();
  EXPECT_EQ((*dev)->kind(), DeviceKind::BlockDevice);
  EXPECT_EQ((*dev)->size_bytes(), 128u << 20);
  EXPECT_EQ((*dev)->logical_block_size(), 512u);
  ProbeResult r = probe_path(loop.path());
  ASSERT_EQ(r.outcome, ProbeOutcome::Found) << r.message;
  EXPECT_EQ(r.type, "linux_raid_member");
  Examination ex = examine_paths({loop.path()}, LayoutChoice::Auto);
  ASSERT_TRUE(ex.devices[0].member);
  EXPECT_EQ(ex.members[0].states->bytes[2031], 2);
  auto found = scan_raid_members();
  EXPECT_NE(std::find(found.begin(), found.end(), loop.path()), found.end())
      << "--scan should find the loop device";
}

TEST(LoopDevice, ExclusiveOpenIsRefusedWhileAnotherHolderHasIt) {
  test::TempCopy copy(test::fixture_image("a-clean-stop", "vda"), "loop-excl.img");
  const std::string& path = copy.path();
  LoopDevice loop(path, false);
  if (loop.path().empty()) GTEST_SKIP() << "cannot set up a loop device here: " << loop.error();
  auto first = open_device(loop.path(), Access::ReadWriteExclusive);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  auto second = open_device(loop.path(), Access::ReadWriteExclusive);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::Busy);
  // The backing file cannot be opened for writing while the loop device exists.
  auto backing = open_device(path, Access::ReadWriteExclusive);
  ASSERT_FALSE(backing.ok());
  EXPECT_EQ(backing.status().code(), Code::Busy);
  EXPECT_NE(backing.status().message().find("backing file of loop device"), std::string::npos);
}

}  // namespace
}  // namespace llb
