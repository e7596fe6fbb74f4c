// The writing tools on real-kernel member images: llbitmap-resync, llbitmap-repair,
// llbitmap-undo and llbitmap-create, run as a user runs them, checked on the bytes they leave.

#include <gtest/gtest.h>

#include <filesystem>

#include "libformat/ops/member.h"
#include "libformat/io/md_locate.h"
#include "tests/writer_util.h"

namespace llb {
namespace {

using test::MemberCopies;
using test::run_command;
using test::tool;

std::vector<std::uint64_t> range(std::uint64_t a, std::uint64_t b) {  // [a, b]
  std::vector<std::uint64_t> v;
  for (std::uint64_t i = a; i <= b; ++i) v.push_back(i);
  return v;
}

std::vector<std::uint64_t> b_flagged() {
  auto v = range(0, 511);
  v.push_back(640);
  v.push_back(2031);
  return v;
}

int run(const std::string& cmd, std::string* out = nullptr) {
  std::string o;
  int rc = run_command(cmd + " 2>&1", &o);
  if (out) *out = o;
  return rc;
}

MdSuperblock md_of(const std::string& path) {
  auto dev = open_device(path, Access::ReadOnly);
  auto md = locate_md_superblock(**dev);
  EXPECT_TRUE(md.ok());
  return md->sb;
}

// --- llbitmap-resync -----------------------------------------------------------------------------

TEST(Resync, MatchesWhatTheKernelDidWhenItReassembledTheCrashedArray) {
  MemberCopies b("realkernel", "b-crash-dirty");
  // Make the mirrors really differ where the bitmap says they may.
  test::scribble_chunks(b.paths()[1], b_flagged(), 7);
  ASSERT_EQ(test::differing_chunks(b.paths()), b_flagged());
  const auto source_data = test::data_region(b.paths()[0]);

  std::string out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " " + b.args(), &out), 1) << out;  // plan only
  EXPECT_NE(out.find("plan: 514 of 2032 chunks (0-511, 640, 2031)"), std::string::npos) << out;
  EXPECT_NE(out.find("33685504"), std::string::npos) << out;
  EXPECT_EQ(test::differing_chunks(b.paths()).size(), 514u) << "the plan must write nothing";

  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --progress=none " + b.args(), &out), 0) << out;
  EXPECT_TRUE(test::differing_chunks(b.paths()).empty());
  EXPECT_EQ(test::data_region(b.paths()[1]), source_data);
  EXPECT_EQ(test::data_region(b.paths()[0]), source_data) << "the source must not change";

  // The kernel, reassembling the same array (scenario e), left chunks 0-511, 640 and 2031 Clean
  // and the rest as they were, and marked the array clean.
  for (const std::string m : {"vda", "vdb"}) {
    const std::string e = test::fixture_image("e-reassemble-after-crash", m);
    const std::string ours = b.dir() + "/" + m + ".img";
    EXPECT_EQ(test::state_bytes(ours), test::state_bytes(e)) << m;
    EXPECT_EQ(md_of(ours).resync_offset, md_of(e).resync_offset) << m;
  }
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + b.args(), &out), 0) << out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --verify " + b.args(), &out), 0) << out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " " + b.args(), &out), 0) << out;  // nothing left
}

TEST(Resync, VerifyFindsDifferencesAndWritesNothing) {
  MemberCopies b("realkernel", "b-crash-dirty");
  test::scribble_chunks(b.paths()[1], {5, 6, 900}, 3);
  const auto h = test::file_hash(b.paths()[1]);
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --verify --progress=json " + b.args(), &out), 1) << out;
  EXPECT_NE(out.find("\"mismatched_chunks\":3"), std::string::npos) << out;
  EXPECT_NE(out.find("[5,6]"), std::string::npos) << out;
  EXPECT_EQ(test::file_hash(b.paths()[1]), h);
}

TEST(Resync, FullModeCopiesEverythingTheBitmapDoesNotFlag) {
  MemberCopies b("realkernel", "b-crash-dirty");
  test::scribble_chunks(b.paths()[1], {900}, 5);  // unflagged: Unwritten on both
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --progress=none " + b.args(), &out), 0) << out;
  EXPECT_EQ(test::differing_chunks(b.paths()), std::vector<std::uint64_t>{900})
      << "a bitmap resync copies flagged chunks only";
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --full --progress=none " + b.args(), &out), 0)
      << out;
  EXPECT_TRUE(test::differing_chunks(b.paths()).empty());
  EXPECT_EQ(test::state_bytes(b.paths()[0])[900], 0) << "full mode leaves Unwritten alone";
}

TEST(Resync, SourceOptionChoosesTheMirrorCopiedFrom) {
  MemberCopies b("realkernel", "b-crash-dirty");
  test::scribble_chunks(b.paths()[1], {0, 640}, 9);
  const auto vdb = test::data_region(b.paths()[1]);
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --progress=none --source " + b.paths()[1] +
                    " " + b.args(), &out), 0) << out;
  EXPECT_EQ(test::data_region(b.paths()[0]), vdb);
}

TEST(Resync, RefusesWhatItCannotDoSafely) {
  std::string out;
  // Degraded: the failed member's chunks are the kernel's recovery to do.
  MemberCopies c("realkernel", "c-degraded-3disk");
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write " + c.args(), &out), 2) << out;
  EXPECT_NE(out.find("lag"), std::string::npos) << out;
  // One member of two: marking chunks Clean would hide the other's differences.
  MemberCopies b("realkernel", "b-crash-dirty");
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write " + b.paths()[0], &out), 2) << out;
  EXPECT_NE(out.find("no member given holds role 1"), std::string::npos) << out;
  // mdadm's placeholder: nothing to drive a bitmap resync; --full works.
  MemberCopies g("realkernel", "g-assume-clean");
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write " + g.args(), &out), 2) << out;
  EXPECT_NE(out.find("FIRST_USE"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --full --progress=none " + g.args(), &out), 0) << out;
  // Usage.
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --verify " + b.args(), &out), 8) << out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " /nonexistent/x.img", &out), 4) << out;
}

TEST(Resync, MaxRateSlowsTheCopy) {
  MemberCopies b("realkernel", "b-crash-dirty");
  std::string out;
  // 32896 KiB at 65536 K/sec takes about half a second; unlimited it takes a fraction of that.
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --max-rate 65536 --progress=json " + b.args(),
                &out), 0) << out;
  const auto pos = out.find("\"seconds\":");
  ASSERT_NE(pos, std::string::npos) << out;
  EXPECT_GE(std::stod(out.substr(pos + 10)), 0.45) << out;
  EXPECT_NE(out.find("{\"progress\":{\"action\":\"resync\""), std::string::npos) << out;
}

// --- llbitmap-repair ------------------------------------------------------------------------------

void patch(const std::string& path, std::uint64_t off, std::vector<std::uint8_t> bytes) {
  auto dev = open_device(path, Access::ReadWriteExclusive);
  ASSERT_TRUE(dev.ok());
  ASSERT_TRUE((*dev)->write_at(off, bytes).ok());
}

constexpr std::uint64_t kBsb = 8192, kStates = 9216;

struct Corruption {
  const char* name;
  void (*apply)(const std::vector<std::string>& p);
  const char* code;  // a problem code the check must report
};

const Corruption kCorruptions[] = {
    {"md_checksum", [](const auto& p) { patch(p[1], 4096 + 216, {0, 0, 0, 0}); },
     "md-checksum-mismatch"},
    {"invalid_state_bytes", [](const auto& p) { patch(p[0], kStates + 700, {0x42, 0x99}); },
     "invalid-state-bytes"},
    {"stale_bitmap", [](const auto& p) { patch(p[0], kBsb + 24, {2}); patch(p[1], kBsb + 24, {2}); },
     "bitmap-stale"},
    {"bitmaps_disagree", [](const auto& p) { patch(p[1], kStates + 1000, {2, 3}); },
     "bitmaps-disagree"},
    {"bad_bitmap_magic", [](const auto& p) { patch(p[1], kBsb, {0, 0, 0, 0}); }, "bitmap-bad-magic"},
    {"bad_daemon_sleep", [](const auto& p) { patch(p[0], kBsb + 56, {0, 0, 0, 0}); },
     "bitmap-daemon-sleep-out-of-range"},
    {"damaged_filler", [](const auto& p) { patch(p[0], kBsb + 300, {0}); patch(p[1], kStates + 2040, {1}); },
     "filler-damaged"},
};

class RepairCase : public ::testing::TestWithParam<Corruption> {};

// The e2fsprogs pattern: a corrupt image is repaired (exit 1), then checks clean (exit 0), and the
// repair never makes the kernel resync less than before.
TEST_P(RepairCase, RepairedOnceThenClean) {
  MemberCopies b("realkernel", "b-crash-dirty");
  GetParam().apply(b.paths());
  std::string out;
  std::vector<std::uint64_t> hashes;
  for (const auto& p : b.paths()) hashes.push_back(test::metadata_hash(p));
  EXPECT_EQ(run(tool("llbitmap-repair") + " " + b.args(), &out), 4) << out;
  EXPECT_NE(out.find(GetParam().code), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " --dry-run " + b.args(), &out), 4) << out;
  EXPECT_NE(out.find("would write "), std::string::npos) << out;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    EXPECT_EQ(test::metadata_hash(b.paths()[i]), hashes[i]) << "--check/--dry-run must not write";
  }
  // Without --yes and without a terminal: refused, nothing written.
  EXPECT_EQ(run(tool("llbitmap-repair") + " --repair " + b.args() + " < /dev/null", &out), 8) << out;
  EXPECT_EQ(test::metadata_hash(b.paths()[0]), hashes[0]);

  EXPECT_EQ(run(tool("llbitmap-repair") + " --repair --yes " + b.args(), &out), 1) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " " + b.args(), &out), 0) << out;
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + b.args(), &out) & 2, 0) << out;
  for (const auto& f : test::flagged_per_member(b.paths())) {
    for (std::uint64_t c : b_flagged()) {
      EXPECT_TRUE(std::binary_search(f.begin(), f.end(), c)) << "chunk " << c << " lost its flag";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Corruptions, RepairCase, ::testing::ValuesIn(kCorruptions),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Repair, ClearsTheKernelsOwnFourKiBInfection) {
  // Linux 7.2 on 4 KiB logical blocks overwrote the bitmap superblock (x2): the kernel then
  // refuses the array. Repair rebuilds it and flags every chunk.
  MemberCopies x("realkernel-extra", "x2-lbs4k-infect");
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + x.args(), &out) & 2, 2) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " --repair --yes " + x.args(), &out), 1) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " " + x.args(), &out), 0) << out;
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + x.args(), &out), 1) << out;
  EXPECT_NE(out.find("resync: 1008 chunks (0-1007)"), std::string::npos) << out;
}

TEST(Repair, LeavesMdadmsAssumeCleanPlaceholderAlone) {
  MemberCopies g("realkernel", "g-assume-clean");
  const auto h = test::metadata_hash(g.paths()[0]);
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " " + g.args(), &out), 0) << out;
  EXPECT_NE(out.find("placeholder"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " --repair --yes " + g.args(), &out), 0) << out;
  EXPECT_EQ(test::metadata_hash(g.paths()[0]), h);
}

TEST(Repair, RefusesAChecksumWhoseFieldsDisagreeWithThePeer) {
  MemberCopies b("realkernel", "b-crash-dirty");
  patch(b.paths()[0], 4096 + 92, {3});  // raid_disks 3 on one member only
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " --repair --yes " + b.args(), &out), 4) << out;
  EXPECT_NE(out.find("NOT FIXED"), std::string::npos) << out;
}

TEST(Repair, UsageAndOperationalErrors) {
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-repair"), &out), 16) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " --check --repair x", &out), 16) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " /nonexistent.img", &out), 8) << out;
}

// --- llbitmap-undo -------------------------------------------------------------------------------

TEST(Undo, RestoresEveryByteTheRepairChanged) {
  MemberCopies b("realkernel", "b-crash-dirty");
  kCorruptions[2].apply(b.paths());  // stale
  kCorruptions[4].apply(b.paths());  // bad magic
  std::vector<std::uint64_t> before;
  for (const auto& p : b.paths()) before.push_back(test::metadata_hash(p));
  const std::string undo = b.dir() + "/repair.undo";
  std::string out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " --repair --yes --undo-file " + undo + " " + b.args(), &out), 1) << out;
  EXPECT_NE(test::metadata_hash(b.paths()[0]), before[0]);
  // A second repair with the same undo file name is refused: the first one is worth keeping.
  EXPECT_EQ(run(tool("llbitmap-repair") + " --repair --yes -z " + undo + " " + b.args(), &out), 0) << out;
  EXPECT_EQ(run(tool("llbitmap-undo") + " " + undo, &out), 0) << out;
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(test::metadata_hash(b.paths()[i]), before[i]);
}

TEST(Undo, RefusesAnotherArrayUnlessForced) {
  MemberCopies b("realkernel", "b-crash-dirty");
  kCorruptions[1].apply(b.paths());
  const std::string undo = b.dir() + "/repair.undo";
  std::string out;
  ASSERT_EQ(run(tool("llbitmap-repair") + " --repair --yes -z " + undo + " " + b.args(), &out), 1) << out;
  MemberCopies other("realkernel", "a-clean-stop");
  // a-clean-stop's members are 64 MiB: another size and another array.
  EXPECT_EQ(run(tool("llbitmap-undo") + " " + undo + " " + other.args(), &out), 2) << out;
  MemberCopies same_size("realkernel", "e-reassemble-after-crash");  // same array, other copy
  EXPECT_EQ(run(tool("llbitmap-undo") + " " + undo + " " + same_size.paths()[1] + " " +
                    same_size.paths()[0], &out), 2) << out;  // swapped: device UUIDs differ
  EXPECT_NE(out.find("device UUID"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-undo") + " --force " + undo + " " + same_size.paths()[1] + " " +
                    same_size.paths()[0], &out), 0) << out;
  // A damaged undo file is refused as a whole.
  patch(undo, 40, {0xee});
  EXPECT_EQ(run(tool("llbitmap-undo") + " " + undo, &out), 2) << out;
}

// --- llbitmap-create -----------------------------------------------------------------------------

TEST(Create, NewMembersMatchMdadmsCreateTimePlaceholder) {
  // g-assume-clean: mdadm 4.6 --create --assume-clean --bitmap=lockless on 64 MiB disks, as the
  // kernel left it (the placeholder survives until the next assembly).
  test::TempDir d;
  std::string out;
  const std::string a = d.path() + "/m0.img", b = d.path() + "/m1.img";
  ASSERT_EQ(run(tool("llbitmap-create") + " --new --assume-clean --size 64M " + a + " " + b, &out), 0) << out;
  const std::string g = test::fixture_image("g-assume-clean", "vda");
  auto load = [](const std::string& p) {
    auto dev = open_device(p, Access::ReadOnly);
    return *load_member(**dev, LayoutChoice::Auto);
  };
  Member ours = load(a), real = load(g);
  ASSERT_TRUE(ours.bitmap && real.bitmap);
  BitmapSuperblock x = *ours.bitmap, y = *real.bitmap;
  x.uuid = y.uuid;
  EXPECT_EQ(x.version, y.version);
  EXPECT_EQ(x.state, y.state);
  EXPECT_EQ(x.chunksize, y.chunksize);
  EXPECT_EQ(x.daemon_sleep, y.daemon_sleep);
  EXPECT_EQ(x.sync_size, y.sync_size);
  EXPECT_EQ(x.sectors_reserved, y.sectors_reserved);
  EXPECT_EQ(x.events, 0u);
  const MdSuperblock &m = ours.md.sb, &r = real.md.sb;
  EXPECT_EQ(m.feature_map, r.feature_map);
  EXPECT_EQ(m.level, r.level);
  EXPECT_EQ(m.size, r.size);
  EXPECT_EQ(m.data_offset, r.data_offset);
  EXPECT_EQ(m.data_size, r.data_size);
  EXPECT_EQ(m.super_offset, r.super_offset);
  EXPECT_EQ(m.bitmap_offset, r.bitmap_offset);
  // The one deliberate difference: the bad-block log after the llbitmap's reserved area (sb + 8 +
  // 256 sectors), where mdadm 4.6 puts it at sb + 16, inside the state bytes of large arrays.
  EXPECT_EQ(r.bblog_offset, 16);
  EXPECT_EQ(m.bblog_offset, 8 + 256);
  EXPECT_EQ(m.bblog_size, r.bblog_size);
  EXPECT_LE(std::uint64_t{m.super_offset} + m.bblog_offset + m.bblog_size, m.data_offset);
  EXPECT_EQ(ours.verdict->first_use, real.verdict->first_use);
  EXPECT_EQ(ours.verdict->assume_clean, real.verdict->assume_clean);
  // The filler between the superblock and the state bytes is what mdadm wrote (the kernel wrote
  // the state bytes from +1024 on at its first assembly; mdadm's 0xff are what we write there).
  auto da = open_device(a, Access::ReadOnly);
  auto dg = open_device(g, Access::ReadOnly);
  auto pa = read_bytes(**da, 8192 + 256, 1024 - 256);
  auto pg = read_bytes(**dg, 8192 + 256, 1024 - 256);
  EXPECT_EQ(*pa, *pg);
  // Examine agrees: first use, nothing to resync.
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + a + " " + b, &out), 1) << out;
  EXPECT_NE(out.find("first-use-init"), std::string::npos) << out;
  // Existing members are refused without --force.
  EXPECT_EQ(run(tool("llbitmap-create") + " --new " + a + " " + b, &out), 2) << out;
  EXPECT_NE(out.find("linux_raid_member"), std::string::npos) << out;
}

TEST(Create, RfcLayoutAndUsage) {
  test::TempDir d;
  std::string out;
  const std::string a = d.path() + "/r0.img", b = d.path() + "/r1.img";
  ASSERT_EQ(run(tool("llbitmap-create") + " --new --layout rfc --size 32M " + a + " " + b, &out), 0) << out;
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + a, &out), 1) << out;
  EXPECT_NE(out.find("rfc layout"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-create") + " --new --size 12Q " + a, &out), 8) << out;
  EXPECT_EQ(run(tool("llbitmap-create") + " --new --size 32M " + d.path() + "/only.img", &out), 8) << out;
}

TEST(Create, AddsAnLlbitmapToMembersWithout) {
  test::TempDir d;
  std::string out;
  const std::string a = d.path() + "/n0.img", b = d.path() + "/n1.img";
  ASSERT_EQ(run(tool("llbitmap-create") + " --new --size 32M " + a + " " + b, &out), 0) << out;
  // Take the bitmap away, as an array made with --bitmap=none would be.
  for (const auto& p : {a, b}) {
    MdSuperblock sb = md_of(p);
    sb.feature_map = 0;
    sb.bitmap_offset = 0;
    sb.sb_csum = md_sb_checksum(sb);
    std::vector<std::uint8_t> bytes(sb.checksummed_bytes() + sb.tail.size());
    ASSERT_TRUE(encode_md_superblock(sb, bytes).ok());
    patch(p, 4096, bytes);
    patch(p, 8192, std::vector<std::uint8_t>(4096, 0));
  }
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + a, &out) & 2, 0) << out;
  EXPECT_NE(out.find("no-bitmap"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-create") + " " + a + " " + b, &out), 0) << out;
  EXPECT_EQ(run(tool("llbitmap-examine") + " " + a + " " + b, &out), 1) << out;
  EXPECT_NE(out.find("first-use-init"), std::string::npos) << out;
  EXPECT_EQ(run(tool("llbitmap-create") + " " + a + " " + b, &out), 2) << out;  // already has one
}

// --- block devices --------------------------------------------------------------------------------

TEST(Writers, WorkOnLoopDevicesAndRefuseOneHeldExclusively) {
  MemberCopies b("realkernel", "b-crash-dirty");
  test::scribble_chunks(b.paths()[1], {1, 2, 640}, 4);
  test::LoopDevice l0(b.paths()[0], false), l1(b.paths()[1], false);
  if (l0.path().empty() || l1.path().empty()) GTEST_SKIP() << "no loop devices here: " << l0.error();
  const std::string args = l0.path() + " " + l1.path();
  std::string out;
  {
    // Something else holds one member exclusively (as md does): every writer refuses.
    auto holder = open_device(l1.path(), Access::ReadWriteExclusive);
    ASSERT_TRUE(holder.ok()) << holder.status().to_string();
    EXPECT_EQ(run(tool("llbitmap-resync") + " --write " + args, &out), 4) << out;
    EXPECT_NE(out.find("in use"), std::string::npos) << out;
    EXPECT_EQ(run(tool("llbitmap-repair") + " --repair --yes " + args, &out), 8) << out;
    EXPECT_EQ(run(tool("llbitmap-create") + " --new --force " + args, &out), 4) << out;
    // Reading is still allowed.
    EXPECT_EQ(run(tool("llbitmap-resync") + " " + args, &out), 1) << out;
  }
  // The backing files are refused while the loop devices exist.
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write " + b.args(), &out), 4) << out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --write --progress=none " + args, &out), 0) << out;
  EXPECT_EQ(run(tool("llbitmap-resync") + " --verify " + args, &out), 0) << out;
  EXPECT_EQ(run(tool("llbitmap-repair") + " " + args, &out), 0) << out;
}

}  // namespace
}  // namespace llb

namespace llb {
namespace {

// The real Linux 7.2 kernel was given members our tools wrote (fixtures/realkernel-extra/y1, y2).
// Rebuild those inputs with the tools and check they are the same bytes, then read what the
// kernel said about them.
std::string sha256_of(const std::string& path) {
  std::string out;
  EXPECT_EQ(test::run_command("sha256sum '" + path + "'", &out), 0);
  return out.substr(0, 64);
}

void expect_inputs(const std::string& scenario, const std::vector<std::string>& paths) {
  const std::string sums = test::read_text_file(std::string(LLB_FIXTURES_DIR) +
                                                "/realkernel-extra/" + scenario + "/input-sha256sums");
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const std::string name = std::string("after-vd") + static_cast<char>('a' + i) + ".img";
    EXPECT_NE(sums.find(sha256_of(paths[i]) + "  " + name), std::string::npos)
        << scenario << ": our " << name << " is not what the kernel was given";
  }
}

TEST(RealKernelOnOurOutput, AssemblesOfflineResyncedMembersCleanWithNothingToResync) {
  MemberCopies b("realkernel", "b-crash-dirty");
  std::string out;
  ASSERT_EQ(run(tool("llbitmap-resync") + " --write --progress=none " + b.args(), &out), 0) << out;
  expect_inputs("y1-assemble-after-offline-resync", b.paths());
  const std::string log = test::read_text_file(std::string(LLB_FIXTURES_DIR) +
                                               "/realkernel-extra/y1-assemble-after-offline-resync/vm.log");
  EXPECT_NE(log.find("md/raid1:md0: active with 2 out of 2 mirrors"), std::string::npos);
  EXPECT_EQ(log.find("md: resync of RAID array md0"), std::string::npos) << "the kernel resynced";
  EXPECT_NE(log.find("unwritten 1518\nclean 514\ndirty 0\nneed sync 0"), std::string::npos);
  EXPECT_NE(log.find("mismatch_cnt: 0"), std::string::npos);
}

TEST(RealKernelOnOurOutput, AssemblesTheInfectedArrayOnceRepaired) {
  MemberCopies x("realkernel-extra", "x2-lbs4k-infect");
  std::string out;
  ASSERT_EQ(run(tool("llbitmap-repair") + " --repair --yes " + x.args(), &out), 1) << out;
  expect_inputs("y2-assemble-after-repair", x.paths());
  const std::string log = test::read_text_file(std::string(LLB_FIXTURES_DIR) +
                                               "/realkernel-extra/y2-assemble-after-repair/vm.log");
  const auto started = log.find("mdadm: /dev/md0 has been started with 2 drives.");
  EXPECT_NE(started, std::string::npos) << "the repaired array must assemble";
  EXPECT_NE(log.find("md: resync of RAID array md0"), std::string::npos);
  // And the finding: the kernel infects block 0 again at once (mdadm -X in the first dump after
  // assembly reads version 33686022 again), so the array would fail its next assembly.
  const auto dump = log.find("===== DUMP: after-assemble =====");
  ASSERT_NE(dump, std::string::npos);
  EXPECT_NE(log.find("unknown bitmap version 33686022", dump), std::string::npos);
}

}  // namespace
}  // namespace llb
