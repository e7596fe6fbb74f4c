// The tools as a hostile user drives them: a clone given as a third mirror, a hard link to a loop
// device's backing file, a member still being rebuilt, superblocks the kernel would refuse, damage
// that fools a per-member guess, absurd numbers and paths. Every case checks the exit status, the
// message, and that nothing was written that should not be (the bytes of every file, before and
// after).

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <filesystem>

#include "libformat/codec/endian.h"
#include "libformat/io/md_locate.h"
#include "libformat/ops/member.h"
#include "tests/writer_util.h"

namespace llb {
namespace {

using test::MemberCopies;
using test::tool;

int run(const std::string& cmd, std::string* out = nullptr) {
  std::string o;
  const int rc = test::run_command(cmd + " 2>&1", &o);
  if (out) *out = o;
  return rc;
}

void patch(const std::string& path, std::uint64_t off, std::vector<std::uint8_t> bytes) {
  auto dev = open_device(path, Access::ReadWriteExclusive);
  ASSERT_TRUE(dev.ok()) << dev.status().to_string();
  ASSERT_TRUE((*dev)->write_at(off, bytes).ok());
}

std::vector<std::uint8_t> le32(std::uint32_t v) {
  std::vector<std::uint8_t> b(4);
  store_le32(b.data(), v);
  return b;
}
std::vector<std::uint8_t> le64(std::uint64_t v) {
  std::vector<std::uint8_t> b(8);
  store_le64(b.data(), v);
  return b;
}

// Makes the md superblock's checksum right again after a field was changed on purpose.
void fix_md_csum(const std::string& path) {
  auto dev = open_device(path, Access::ReadOnly);
  ASSERT_TRUE(dev.ok());
  auto md = locate_md_superblock(**dev);
  ASSERT_TRUE(md.ok()) << md.status().to_string();
  const std::uint64_t at = md->offset_bytes + mdsb::kSbCsum;
  const std::uint32_t csum = md->computed_csum;
  dev->reset();
  patch(path, at, le32(csum));
}

std::vector<std::uint64_t> hashes(const std::vector<std::string>& paths) {
  std::vector<std::uint64_t> h;
  for (const auto& p : paths) h.push_back(test::file_hash(p));
  return h;
}

std::vector<std::uint64_t> b_flagged() {
  std::vector<std::uint64_t> v;
  for (std::uint64_t i = 0; i <= 511; ++i) v.push_back(i);
  v.push_back(640);
  v.push_back(2031);
  return v;
}

constexpr std::uint64_t kMd = 4096, kBsb = 8192, kStates = 9216;

// --- 1. two devices claiming one member -----------------------------------------------------------

TEST(HostileInput, ACloneOfAMemberIsReportedByEveryReaderAndRefusedByEveryWriter) {
  MemberCopies b("realkernel", "b-crash-dirty");
  const std::string clone = b.dir() + "/clone.img";
  ASSERT_EQ(run("cp --sparse=always " + b.paths()[0] + " " + clone), 0);
  test::scribble_chunks(clone, {0, 1, 2}, 13);  // the clone's data is not vda's any more
  const std::vector<std::string> all = {clone, b.paths()[0], b.paths()[1]};
  const std::string args = clone + " " + b.args();
  const auto before = hashes(all);
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + args, &out) & 2, 2) << out;
  EXPECT_NE(out.find("member-duplicate-device-uuid"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " " + args, &out), 4) << out;
  EXPECT_NE(out.find("member-duplicate-device-uuid"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " --repair --yes " + args, &out), 4) << out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --progress=none " + args, &out), 2) << out;
  EXPECT_NE(out.find("both carry device UUID"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --full --progress=none --source " + clone +
                    " " + args, &out), 2) << out;
  EXPECT_EQ(hashes(all), before) << "a writer touched a member";
}

TEST(HostileInput, TwoDevicesInOneSlotAreRefusedEvenWithDifferentDeviceUuids) {
  MemberCopies b("realkernel", "b-crash-dirty");
  const std::string other = b.dir() + "/other.img";
  ASSERT_EQ(run("cp --sparse=always " + b.paths()[1] + " " + other), 0);
  patch(other, kMd + mdsb::kDeviceUuid, std::vector<std::uint8_t>(16, 0x5a));
  fix_md_csum(other);
  const std::vector<std::string> all = {b.paths()[0], b.paths()[1], other};
  const auto before = hashes(all);
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + b.args() + " " + other, &out) & 2, 2) << out;
  EXPECT_NE(out.find("member-duplicate-slot"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --progress=none " + b.args() + " " + other,
                &out), 2) << out;
  EXPECT_EQ(hashes(all), before);
}

// --- 2. the loop-device guard compares inodes, not names ------------------------------------------

TEST(HostileInput, AHardLinkToALiveLoopDevicesBackingFileIsRefused) {
  MemberCopies b("realkernel", "b-crash-dirty");
  test::LoopDevice loop(b.paths()[0], false);
  if (loop.path().empty()) GTEST_SKIP() << "no loop devices here: " << loop.error();
  const std::string link = b.dir() + "/hardlink.img";
  ASSERT_EQ(run("ln " + b.paths()[0] + " " + link), 0);
  const auto before = hashes(b.paths());
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --progress=none " + link + " " +
                    b.paths()[1], &out), 4) << out;
  EXPECT_NE(out.find("backing file of loop device " + loop.path()), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " --repair --yes " + link + " " + b.paths()[1], &out), 8)
      << out;
  EXPECT_EQ(run(tool("llbitmap-create") + " --new --force " + link + " " + b.paths()[1], &out), 4)
      << out;
  EXPECT_EQ(hashes(b.paths()), before);
}

TEST(HostileInput, ABindMountOfALiveLoopDevicesBackingFileIsRefused) {
  MemberCopies b("realkernel", "b-crash-dirty");
  test::LoopDevice loop(b.paths()[0], false);
  if (loop.path().empty()) GTEST_SKIP() << "no loop devices here: " << loop.error();
  test::TempDir mnt;
  if (::mount(b.dir().c_str(), mnt.path().c_str(), nullptr, MS_BIND, nullptr) != 0) {
    GTEST_SKIP() << "cannot bind-mount here";
  }
  const std::string via = mnt.path() + "/vda.img";
  std::string out;
  const int rc = run(tool("llbitmap-resync") + " --write --progress=none " + via + " " +
                         b.paths()[1], &out);
  ::umount(mnt.path().c_str());
  EXPECT_EQ(rc, 4) << out;
  EXPECT_NE(out.find("backing file of loop device"), std::string::npos) << out;
}

// --- 3. a member the kernel is still rebuilding ---------------------------------------------------

TEST(HostileInput, AMemberStillBeingRecoveredIsNamedAndNeverASource) {
  MemberCopies b("realkernel", "b-crash-dirty");
  const std::string vdb = b.paths()[1];
  patch(vdb, kMd + mdsb::kFeatureMap, le32(kFeatureBitmapOffset | kFeatureRecoveryOffset));
  patch(vdb, kMd + mdsb::kRecoveryOffset, le64(1000));
  fix_md_csum(vdb);
  test::scribble_chunks(vdb, {100, 101}, 21);  // past sector 1000: not rebuilt yet
  const auto before = hashes(b.paths());
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + b.args(), &out) & 1, 1) << out;
  EXPECT_NE(out.find("member-recovering"), std::string::npos) << out;
  EXPECT_NE(out.find("recovery: " + vdb + " from sector 1000"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " " + b.args(), &out), 4) << out;
  EXPECT_EQ(out.find("clean: no problem"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --full --progress=none --source " + vdb + " " +
                    b.args(), &out), 2) << out;
  EXPECT_NE(out.find("never a source"), std::string::npos) << out;
  EXPECT_EQ(hashes(b.paths()), before);
}

// --- 4. superblocks the kernel would refuse -------------------------------------------------------

TEST(HostileInput, WritersRefuseAMemberWhoseChecksumHidesOtherDamage) {
  MemberCopies b("realkernel", "b-crash-dirty");
  patch(b.paths()[1], kMd + mdsb::kSbCsum, {0, 0, 0, 0});
  patch(b.paths()[1], kMd + mdsb::kPad0, {1});  // and a padding field the kernel checks
  const auto before = hashes(b.paths());
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " " + b.args(), &out), 2) << out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --progress=none " + b.args(), &out), 2) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " --repair --yes " + b.args(), &out) & 4, 4) << out;
  EXPECT_NE(out.find("a fresh checksum would make that damage read as valid"), std::string::npos)
      << out;
  auto dev = open_device(b.paths()[1], Access::ReadOnly);
  auto md = locate_md_superblock(**dev);
  ASSERT_TRUE(md.ok());
  EXPECT_FALSE(md->checksum_ok()) << "the checksum was recomputed over unvalidated fields";
  EXPECT_EQ(test::file_hash(b.paths()[1]), before[1]);
}

TEST(HostileInput, WritersRefuseUnknownFeatureBitsAndADataSizePastTheDevice) {
  for (const char* what : {"feature", "data_size"}) {
    MemberCopies b("realkernel", "b-crash-dirty");
    if (std::string(what) == "feature") {
      patch(b.paths()[0], kMd + mdsb::kFeatureMap, le32(kFeatureBitmapOffset | 0x40000));
    } else {
      patch(b.paths()[0], kMd + mdsb::kDataSize, le64(std::uint64_t{1} << 60));
    }
    fix_md_csum(b.paths()[0]);
    const auto before = hashes(b.paths());
    std::string out;
    EXPECT_EQ(run(tool("llbitmap-examine") + " " + b.args(), &out) & 2, 2) << what << out;
    EXPECT_NE(out.find(std::string(what) == "feature" ? "md-unknown-feature"
                                                      : "md-data-size-beyond-device"),
              std::string::npos) << out;
    EXPECT_EQ(run(tool("llbitmap-resync") + " --write --progress=none " + b.args(), &out), 2)
        << what << out;
    EXPECT_EQ(run(tool("llbitmap-repair") + " --repair --yes " + b.args(), &out) & 4, 4)
        << what << out;
    EXPECT_EQ(hashes(b.paths())[0], before[0]) << what;
  }
}

// --- 5. the layout is the array's --------------------------------------------------------------

TEST(HostileInput, RepairNeverWritesOutsideTheStateAreaOfTheArraysLayout) {
  MemberCopies b("realkernel", "b-crash-dirty");
  patch(b.paths()[0], kStates, std::vector<std::uint8_t>(2032, 0xff));  // every state byte gone
  auto region = [](const std::string& p) {  // mdadm's bad-block log and what follows
    auto dev = open_device(p, Access::ReadOnly);
    return *read_bytes(**dev, 12288, 4096);
  };
  const auto bblog = region(b.paths()[0]);
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " --repair --yes " + b.args(), &out), 1) << out;
  EXPECT_EQ(region(b.paths()[0]), bblog) << "repair wrote the RFC state area over the bad-block log";
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + b.paths()[0], &out) & 2, 0) << out;
  EXPECT_NE(out.find("upstream layout"), std::string::npos) << out;
  for (const auto& f : test::flagged_per_member(b.paths())) {
    for (std::uint64_t c : b_flagged()) ASSERT_TRUE(std::binary_search(f.begin(), f.end(), c)) << c;
  }
}

// --- 6. a chunksize damaged into another power of two ---------------------------------------------

TEST(HostileInput, RepairRebuildsAChunksizeDamagedIntoAnotherPowerOfTwoFromThePeer) {
  MemberCopies b("realkernel", "b-crash-dirty");
  const auto states = test::state_bytes(b.paths()[0]);
  patch(b.paths()[0], kBsb + bmsb::kChunksize, le32(1u << 31));
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " " + b.args(), &out), 4) << out;
  EXPECT_NE(out.find("bitmap-geometry-differs"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " --repair --yes " + b.args(), &out), 1) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " " + b.args(), &out), 0) << out;
  EXPECT_EQ(test::state_bytes(b.paths()[0]), states) << "the real state bytes were overwritten";
  auto dev = open_device(b.paths()[0], Access::ReadOnly);
  EXPECT_EQ(load_le32(read_bytes(**dev, kBsb + bmsb::kChunksize, 4)->data()), 128u);
}

// --- 7. inputs that crashed a tool ----------------------------------------------------------------

TEST(HostileInput, UndoGivenADirectoryRefusesIt) {
  test::TempDir d;
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-undo") + " " + d.path(), &out), 2) << out;
  EXPECT_NE(out.find("not a regular file"), std::string::npos) << out;
}

TEST(HostileInput, VerifyReadsInPiecesWhateverTheChunksize) {
  for (std::uint32_t chunksize : {1u << 31, 1u << 20}) {
    MemberCopies b("realkernel", "b-crash-dirty");
    test::scribble_chunks(b.paths()[1], {7}, 3);  // 64 KiB at chunk 7 of the real geometry
    patch(b.paths()[0], kBsb + bmsb::kChunksize, le32(chunksize));
    patch(b.paths()[1], kBsb + bmsb::kChunksize, le32(chunksize));
    std::string out;
    long rss_kib = 0;
    EXPECT_EQ(test::run_command_rss(tool("llbitmap-resync") + " --verify " + b.args(), &out, &rss_kib), 1)
        << chunksize << out;
    EXPECT_NE(out.find("mismatch_cnt: 128 sectors"), std::string::npos) << out;
    // The tool stayed small: buffers of one chunk would be 1 GiB for 2^20 sectors.
    EXPECT_LT(rss_kib, 300 * 1024) << "KiB at most, for chunksize " << chunksize;
  }
}

TEST(HostileInput, SimRefusesJsonNestedTooDeep) {
  test::TempDir d;
  const std::string trace = d.path() + "/deep.json";
  test::write_text_file(trace, std::string(100000, '[') + std::string(100000, ']'));
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-sim") + " run " + trace, &out), 2) << out;
  EXPECT_NE(out.find("nested 100000 levels deep"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-sim") + " explore " + trace, &out), 2) << out;
}

TEST(HostileInput, ExploreRefusesNegativeAndUnboundedNumbers) {
  std::string out;
  for (const char* args : {"--seed 1 --ops -5", "--seed 1 --ops 100000000 --budget-ms 3000",
                           "--seed 1 --max-combinations 1000000000000",
                           "--seed 1 --samples 4000000000", "--seed 1 --budget-ms -1", "--seed -3",
                           "--seed 1 --max-states -1"}) {
    EXPECT_EQ(run(tool("llbitmap-sim") + " explore " + args, &out), 8) << args << out;
    EXPECT_NE(out.find("is invalid: expected a whole number"), std::string::npos) << args << out;
  }
}

// --- 8. silent wrap and escape --------------------------------------------------------------------

TEST(HostileInput, NegativeNumbersAreRefusedNotWrapped) {
  MemberCopies b("realkernel", "b-crash-dirty");
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --max-rate -1 " + b.args(), &out), 8) << out;
  EXPECT_EQ(run(tool("llbitmap-sim") + " run --seed -1", &out), 8) << out;
}

TEST(HostileInput, ATraceCannotExportOutsideItsDirectory) {
  test::TempDir d;
  const std::string trace = d.path() + "/t.json";
  test::write_text_file(trace, R"({"format": "llbitmap-sim-trace", "version": 1,
    "array": {"members": 2, "member_size": "64M"},
    "ops": [{"op": "create"}, {"op": "export", "dir": ")" + d.path() + R"(/x",
             "label": "../../../escape"}]})");
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-sim") + " run " + trace, &out), 2) << out;
  EXPECT_NE(out.find("label"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(d.path() + "/../escape-vda.img"));
}

// --- 9. wrong answers ------------------------------------------------------------------------------

TEST(HostileInput, ExamineFlagsAClassicBitmapWithDirtyBitsOnAnUncleanArray) {
  MemberCopies b("realkernel", "b-crash-dirty");  // resync_offset 0: not clean
  for (const auto& p : b.paths()) {
    patch(p, kBsb + bmsb::kVersion, le32(4));
    patch(p, kBsb + bmsb::kChunksize, le32(64 * 1024));  // bytes, for version 4
    patch(p, kBsb + 256, std::vector<std::uint8_t>(256, 0));
  }
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + b.paths()[0], &out), 0) << out;  // no bit set
  for (const auto& p : b.paths()) patch(p, kBsb + 256, {0x01});
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + b.paths()[0], &out), 1) << out;
}

TEST(HostileInput, OneMemberUnderTwoSpellingsIsExaminedOnceAndRefusedByWriters) {
  MemberCopies b("realkernel", "b-crash-dirty");
  const std::string link = b.dir() + "/link.img", sym = b.dir() + "/sym.img";
  ASSERT_EQ(run("ln " + b.paths()[0] + " " + link + " && ln -s " + b.paths()[0] + " " + sym), 0);
  const std::string dotted = b.dir() + "/./vda.img";
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + b.paths()[0] + " " + dotted + " " + link + " " +
                    sym, &out) & 8, 8) << out;
  EXPECT_EQ(out.find("\nllbitmap (upstream layout"), out.rfind("\nllbitmap (upstream layout"))
      << "one device examined more than once:\n" << out;
  EXPECT_NE(out.find("the same device as " + b.paths()[0]), std::string::npos) << out;
  const auto before = hashes(b.paths());
  for (const std::string& alias : {dotted, link, sym}) {
    EXPECT_EQ(run(tool("llbitmap-repair") + " " + b.paths()[0] + " " + alias, &out), 16) << out;
    EXPECT_EQ(run(tool("llbitmap-resync") + " --write " + b.paths()[0] + " " + alias, &out), 8)
        << out;
    EXPECT_NE(out.find("the same device as"), std::string::npos) << out;
    EXPECT_EQ(out.find("another process"), std::string::npos) << out;
  }
  test::LoopDevice loop(b.paths()[0], true);
  if (!loop.path().empty()) {
    EXPECT_EQ(run(tool("llbitmap-examine") + " " + loop.path() + " " + b.paths()[0], &out) & 8, 8)
        << out;
    EXPECT_EQ(run(tool("llbitmap-repair") + " " + loop.path() + " " + loop.path(), &out), 16) << out;
  }
  EXPECT_EQ(hashes(b.paths()), before);
}

TEST(HostileInput, RepairRebuildsABitmapVersionThatDisagreesWithItsPeer) {
  MemberCopies b("realkernel", "b-crash-dirty");
  patch(b.paths()[1], kBsb + bmsb::kVersion, le32(5));
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " " + b.args(), &out), 4) << out;
  EXPECT_NE(out.find("bitmap-version-differs"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " --repair --yes " + b.args(), &out), 1) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " " + b.args(), &out), 0) << out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --progress=none " + b.args(), &out), 0) << out;
}

TEST(HostileInput, CreateLeavesNoFileBehindWhenItFails) {
  test::TempDir d;
  const std::string a = d.path() + "/a.img", b = d.path() + "/no-such-dir/b.img";
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-create") + " --new --size 64M " + a + " " + b, &out), 4) << out;
  EXPECT_FALSE(std::filesystem::exists(a)) << "a failed create left " << a << " behind";
}

TEST(HostileInput, CreateNamesADamagedLlbitmapSuperblockAsDamaged) {
  MemberCopies b("realkernel", "b-crash-dirty");
  patch(b.paths()[0], kBsb, {0, 0, 0, 0});
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-create") + " " + b.paths()[0], &out), 2) << out;
  EXPECT_NE(out.find("bitmap superblock is damaged"), std::string::npos) << out;
  EXPECT_EQ(out.find("classic"), std::string::npos) << out;
}

TEST(HostileInput, UndoRefusesMembersThatChangedSinceTheRepairUnlessForced) {
  MemberCopies b("realkernel", "b-crash-dirty");
  patch(b.paths()[1], kStates + 1000, {2, 3});  // bitmaps disagree: repair rewrites state bytes
  const std::string undo = b.dir() + "/r.undo";
  std::string out;
  ASSERT_EQ(run(tool("llbitmap-repair") + " --repair --yes -z " + undo + " " + b.args(), &out), 1)
      << out;
  patch(b.paths()[1], kStates + 1000, {1});  // something wrote there since
  const auto after_change = hashes(b.paths());
  EXPECT_EQ(run(tool("llbitmap-undo") + " " + undo, &out), 2) << out;
  EXPECT_NE(out.find("changed since"), std::string::npos) << out;
  EXPECT_EQ(hashes(b.paths()), after_change) << "undo wrote although it refused";
  EXPECT_EQ(run(tool("llbitmap-undo") + " --force " + undo, &out), 0) << out;
}

// --- 10. every tool has --version; usage exits as documented ---------------------------------------

TEST(HostileInput, EveryToolHasVersionAndItsDocumentedUsageExit) {
  struct T {
    const char* tool;
    int usage;
  };
  for (const T& t : {T{"llbitmap-examine", 8}, T{"llbitmap-resync", 8}, T{"llbitmap-repair", 16},
                     T{"llbitmap-undo", 8}, T{"llbitmap-create", 8}, T{"llbitmap-sim", 8}}) {
    std::string out;
    EXPECT_EQ(run(tool(t.tool) + " --version", &out), 0) << t.tool << out;
    EXPECT_NE(out.find(std::string(t.tool) + " " + LLB_VERSION_STRING), std::string::npos) << out;
    EXPECT_EQ(run(tool(t.tool) + " --no-such-option", &out), t.usage) << t.tool << out;
  }
}

}  // namespace
}  // namespace llb
