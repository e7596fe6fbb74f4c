// Kill tests: llbitmap-resync, llbitmap-repair and llbitmap-create stopped by SIGKILL between any two of their
// writes or flushes (the LLB_TEST_KILL_AFTER_WRITES hook of their killable builds, tests/kill/kill_hook.cc), at moments
// drawn from a seeded generator. After every kill:
//   - the array is safe: every chunk whose mirrors differ is one the kernel would resync, judged
//     from each member's bitmap alone (the kernel reads just one of them);
//   - a re-run without the hook finishes the job: mirrors equal, every target holding the source
//     member's data, the repaired metadata clean.
// The CI sample runs LLB_KILL_MOMENTS moments of each; the full set (label "slow") runs more.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "libformat/codec/bad_block_log.h"
#include "libformat/io/md_locate.h"
#include "tests/writer_util.h"

#ifndef LLB_KILL_MOMENTS
#define LLB_KILL_MOMENTS 24
#endif

namespace llb {
namespace {

using test::run_command;
using test::tool;

std::vector<std::uint64_t> b_flagged() {
  std::vector<std::uint64_t> v;
  for (std::uint64_t i = 0; i <= 511; ++i) v.push_back(i);
  v.push_back(640);
  v.push_back(2031);
  return v;
}

// A pristine divergent member set, copied fresh for every kill.
class Pristine {
 public:
  Pristine() : b_("realkernel", "b-crash-dirty") {
    test::scribble_chunks(b_.paths()[1], b_flagged(), 11);
    source_data_ = test::chunk_data(b_.paths()[0], b_flagged());
  }
  void copy_to(const std::string& dir) const {
    for (const auto& p : b_.paths()) {
      const std::string name = p.substr(p.rfind('/') + 1);
      ASSERT_EQ(run_command("cp --sparse=always '" + p + "' '" + dir + "/" + name + "'", nullptr), 0);
    }
  }
  const std::vector<std::uint8_t>& source_data() const { return source_data_; }

 private:
  test::MemberCopies b_;
  std::vector<std::uint8_t> source_data_;
};

void expect_safe(const std::vector<std::string>& paths, const std::string& when) {
  const auto differ = test::differing_chunks(paths);
  const auto flagged = test::flagged_per_member(paths);
  for (std::size_t m = 0; m < paths.size(); ++m) {
    for (std::uint64_t c : differ) {
      EXPECT_TRUE(std::binary_search(flagged[m].begin(), flagged[m].end(), c))
          << when << ": chunk " << c << " differs between the mirrors but member " << m
          << "'s bitmap does not flag it";
    }
  }
}

// The writer built with the kill hook (tests/kill/kill_hook.cc); the tools that ship have none.
std::string killable(const std::string& name) { return std::string(LLB_KILLABLE_DIR) + "/" + name; }

int with_kill(const std::string& cmd, long long after) {
  return run_command("LLB_TEST_KILL_AFTER_WRITES=" + std::to_string(after) + " " + cmd +
                         " > /dev/null 2>&1",
                     nullptr);
}

// vda.img and vdb.img of `from`, sparse copies in `to`: their paths, or none when a copy fails.
std::vector<std::string> copy_pair(const std::string& from, const std::string& to) {
  std::vector<std::string> out;
  for (const char* m : {"vda", "vdb"}) {
    const std::string dst = to + "/" + m + ".img";
    if (run_command("cp --sparse=always '" + from + "/" + m + ".img' '" + dst + "'", nullptr) != 0) {
      return {};
    }
    out.push_back(dst);
  }
  return out;
}

TEST(KillResync, EveryKillIsSafeAndARerunConverges) {
  Pristine pristine;
  std::mt19937_64 rng(20261124);
  // With 2 MiB windows the 514 flagged chunks take ~16 windows of ~11 I/Os each.
  std::uniform_int_distribution<long long> moment(0, 190);
  const std::string opts = " --write --progress=none --window 2097152 ";
  int killed = 0;
  for (int i = 0; i < LLB_KILL_MOMENTS; ++i) {
    test::TempDir d;
    pristine.copy_to(d.path());
    const std::vector<std::string> paths = {d.path() + "/vda.img", d.path() + "/vdb.img"};
    const std::string args = paths[0] + " " + paths[1];
    const long long at = moment(rng);
    const int rc = with_kill(killable("llbitmap-resync") + opts + args, at);
    if (rc != 0) ++killed;
    const std::string when = "killed before I/O " + std::to_string(at);
    expect_safe(paths, when);
    if (HasFailure()) return;
    std::string out;
    ASSERT_EQ(run_command(tool("llbitmap-resync") + opts + args + " 2>&1", &out), 0)
        << when << "\n" << out;
    EXPECT_TRUE(test::differing_chunks(paths).empty()) << when;
    EXPECT_EQ(test::chunk_data(paths[1], b_flagged()), pristine.source_data()) << when;
    EXPECT_EQ(test::chunk_data(paths[0], b_flagged()), pristine.source_data()) << when;
    EXPECT_EQ(run_command(tool("llbitmap-resync") + " " + args + " > /dev/null", nullptr), 0)
        << when << ": nothing may be left to do";
    if (HasFailure()) return;
  }
  EXPECT_GT(killed, LLB_KILL_MOMENTS / 2) << "most moments should fall inside the run";
}

TEST(KillRepair, EveryKillLeavesARepairableArrayThatStaysFlagged) {
  Pristine pristine;
  std::mt19937_64 rng(1124);
  std::uniform_int_distribution<long long> moment(0, 14);
  for (int i = 0; i < LLB_KILL_MOMENTS; ++i) {
    test::TempDir d;
    pristine.copy_to(d.path());
    const std::vector<std::string> paths = {d.path() + "/vda.img", d.path() + "/vdb.img"};
    const std::string args = paths[0] + " " + paths[1];
    // Damage: stale bitmaps, a bitmap superblock with a bad magic, invalid bytes, bad filler.
    for (const auto& [p, off, bytes] : std::vector<std::tuple<std::string, std::uint64_t, std::vector<std::uint8_t>>>{
             {paths[0], 8192 + 24, {2}}, {paths[1], 8192, {0, 0}}, {paths[0], 9216 + 900, {0x77}},
             {paths[1], 8192 + 400, {0}}}) {
      auto dev = open_device(p, Access::ReadWriteExclusive);
      ASSERT_TRUE((*dev)->write_at(off, bytes).ok());
    }
    const long long at = moment(rng);
    with_kill(killable("llbitmap-repair") + " --repair --yes " + args, at);
    const std::string when = "repair killed before I/O " + std::to_string(at);
    std::string out;
    const int rc = run_command(tool("llbitmap-repair") + " --repair --yes " + args + " 2>&1", &out);
    EXPECT_TRUE(rc == 0 || rc == 1) << when << ": " << rc << "\n" << out;
    EXPECT_EQ(run_command(tool("llbitmap-repair") + " " + args + " 2>&1", &out), 0) << when << "\n" << out;
    // Nothing the kernel had to resync was forgotten, and the divergent chunks are flagged.
    for (const auto& f : test::flagged_per_member(paths)) {
      for (std::uint64_t c : b_flagged()) {
        EXPECT_TRUE(std::binary_search(f.begin(), f.end(), c)) << when << ": chunk " << c;
      }
    }
    expect_safe(paths, when);
    // And the resync that follows converges.
    EXPECT_EQ(run_command(tool("llbitmap-resync") + " --write --progress=none " + args + " 2>&1", &out), 0)
        << when << "\n" << out;
    EXPECT_TRUE(test::differing_chunks(paths).empty()) << when;
    if (HasFailure()) return;
  }
}

// The bad-block log that mdadm 4.6 puts inside the state bytes, moved by repair (512 MiB members
// with mdadm's layout, made by the simulator): killed before each write, every member keeps a valid
// md superblock with the log either where it was or after the bitmap (the fields and their checksum
// go in one write), and a re-run moves the rest.
TEST(KillRepair, BadBlockLogMoveLeavesEachSuperblockOldOrNew) {
  test::TempDir src;
  {
    std::ofstream(src.path() + "/t.json")
        << R"({"format": "llbitmap-sim-trace", "version": 1, "name": "mdadm-layout",
               "array": {"members": 2, "member_size": "512M"},
               "ops": [{"op": "create"}, {"op": "wait_sync"}, {"op": "stop"}]})";
  }
  ASSERT_EQ(run_command(tool("llbitmap-sim") + " run " + src.path() + "/t.json --export " +
                            src.path() + " -q > /dev/null", nullptr), 0);
  auto bblog_offset = [](const std::string& p) -> std::int64_t {
    auto dev = open_device(p, Access::ReadOnly);
    auto md = locate_md_superblock(**dev);
    if (!md.ok() || !md->checksum_ok()) return -1;  // a torn superblock: never acceptable
    return md->sb.bblog_offset;
  };
  for (long long at = 0; at < 4; ++at) {
    test::TempDir d;
    const std::vector<std::string> paths = copy_pair(src.path(), d.path());
    ASSERT_EQ(paths.size(), 2u);
    for (const std::string& p : paths) ASSERT_EQ(bblog_offset(p), 16);
    const std::string args = paths[0] + " " + paths[1];
    with_kill(killable("llbitmap-repair") + " --repair --yes " + args, at);
    const std::string when = "repair killed before I/O " + std::to_string(at);
    for (const std::string& p : paths) {
      const std::int64_t off = bblog_offset(p);
      EXPECT_TRUE(off == 16 || off == 264) << when << ": " << p << " log at " << off;
    }
    std::string out;
    const int rc = run_command(tool("llbitmap-repair") + " --repair --yes " + args + " 2>&1", &out);
    EXPECT_TRUE(rc == 0 || rc == 1) << when << ": " << rc << "\n" << out;  // 1: corrected
    for (const std::string& p : paths) EXPECT_EQ(bblog_offset(p), 264) << when << ": " << p;
    EXPECT_EQ(run_command(tool("llbitmap-repair") + " " + args + " 2>&1", &out), 0) << when << "\n" << out;
    if (HasFailure()) return;
  }
}

// llbitmap-create --new --force over an existing array, killed before each of its writes: every
// member is left with its old superblock and old bytes, with no md superblock, or with a valid
// superblock of the new array; the undo file puts back every byte; a re-run makes the array.
TEST(KillCreate, EveryKillLeavesEachMemberOldNewOrBlankAndUndoRestoresIt) {
  test::MemberCopies pristine("realkernel", "b-crash-dirty");
  std::vector<std::uint64_t> original;
  for (const auto& p : pristine.paths()) original.push_back(test::file_hash(p));
  const std::string old_uuid = "d57ae016:27ef5484:d6c86f39:a82cb273";
  const std::string new_uuid = "11111111:22222222:33333333:44444444";
  // Two members: three write groups (old magic, bitmap page, superblock), a write and a flush
  // of each member in each: 12 I/Os, and one moment past the end.
  for (long long at = 0; at <= 12; ++at) {
    test::TempDir d;
    std::vector<std::string> paths;
    for (const auto& p : pristine.paths()) {
      const std::string to = d.path() + p.substr(p.rfind('/'));
      ASSERT_EQ(run_command("cp --sparse=always '" + p + "' '" + to + "'", nullptr), 0);
      paths.push_back(to);
    }
    const std::string args = paths[0] + " " + paths[1];
    const std::string undo = d.path() + "/create.undo";
    const std::string opts = " --new --force --uuid " + new_uuid + " -z " + undo + " " + args;
    const std::string cmd = tool("llbitmap-create") + opts;
    with_kill(killable("llbitmap-create") + opts, at);
    const std::string when = "create killed before I/O " + std::to_string(at);
    for (std::size_t i = 0; i < paths.size(); ++i) {
      auto dev = open_device(paths[i], Access::ReadOnly);
      ASSERT_TRUE(dev.ok());
      auto md = locate_md_superblock(**dev);
      if (!md.ok()) continue;  // blank: no array claims it
      const std::string uuid = uuid_colon(md->sb.set_uuid);
      if (uuid == old_uuid) {
        EXPECT_EQ(test::file_hash(paths[i]), original[i]) << when << ": an old superblock over "
                                                                     "changed bytes";
        continue;
      }
      EXPECT_EQ(uuid, new_uuid) << when;
      std::string out;
      const int rc = run_command(tool("llbitmap-examine") + " " + paths[i] + " 2>&1", &out);
      EXPECT_EQ(rc & 2, 0) << when << ": a new member examine refuses\n" << out;
    }
    if (std::filesystem::exists(undo)) {
      std::string out;
      EXPECT_EQ(run_command(tool("llbitmap-undo") + " " + undo + " 2>&1", &out), 0) << when << out;
      for (std::size_t i = 0; i < paths.size(); ++i) {
        EXPECT_EQ(test::file_hash(paths[i]), original[i]) << when << ": undo left a difference";
      }
      std::filesystem::remove(undo);
    }
    std::string out;
    EXPECT_EQ(run_command(cmd + " > /dev/null 2>&1", nullptr), 0) << when;
    EXPECT_EQ(run_command(tool("llbitmap-examine") + " " + args + " 2>&1", &out) & 2, 0)
        << when << "\n" << out;
    EXPECT_NE(out.find("first-use-init"), std::string::npos) << when << out;
    if (HasFailure()) return;
  }
}


// A member md's bad-block log already hit (the bb-overlap trace up to the log's write: its page
// over the state bytes of chunks 3072-7167, the entry 1000+8 intact), repaired: killed before each
// I/O, every superblock is valid with the log at 16 or at 264 sectors; wherever it points, the
// entry is readable there or in the page written first at 264; and a re-run ends with the entry
// kept at 264 and the destroyed chunks NeedSync on both members.
TEST(KillRepair, HitBadBlockLogRepairKeepsTheEntryAndMarksTheLostChunks) {
  test::TempDir src;
  {
    std::ifstream in(std::string(LLB_FIXTURES_DIR) + "/traces/bb-overlap.json");
    std::stringstream all;
    all << in.rdbuf();
    std::string t = all.str();
    // The trace up to its dump: md's log page is on vda, the llbitmap has not written over it.
    const std::size_t dump = t.find(R"({"op": "dump")");
    ASSERT_NE(dump, std::string::npos);
    t = t.substr(0, t.rfind(',', dump)) + "\n  ]\n}\n";
    std::ofstream(src.path() + "/t.json") << t;
  }
  ASSERT_EQ(run_command(tool("llbitmap-sim") + " run " + src.path() + "/t.json --export " +
                            src.path() + " -q > /dev/null", nullptr), 0);
  struct Log {
    std::int64_t offset = -1;  // -1: no valid superblock
    bool declared = false;
    std::vector<BadBlock> at_264;
  };
  auto log_of = [](const std::string& p) {
    Log l;
    auto dev = open_device(p, Access::ReadOnly);
    auto md = locate_md_superblock(**dev);
    if (!md.ok() || !md->checksum_ok()) return l;
    l.offset = md->sb.bblog_offset;
    l.declared = md->sb.feature_map & kFeatureBadBlocks;
    auto page = read_bytes(**dev, 4096 + 264 * 512, 4096);
    if (page.ok()) l.at_264 = decode_bad_block_log(*page, 0).entries;
    return l;
  };
  auto has_entry = [](const std::vector<BadBlock>& v) {
    return std::any_of(v.begin(), v.end(),
                       [](const BadBlock& b) { return b.sector == 1000 && b.sectors == 8; });
  };
  for (long long at = 0; at < 12; ++at) {
    test::TempDir d;
    const std::vector<std::string> paths = copy_pair(src.path(), d.path());
    ASSERT_EQ(paths.size(), 2u);
    ASSERT_EQ(log_of(paths[0]).offset, 16);
    ASSERT_TRUE(log_of(paths[0]).declared);
    const std::string args = paths[0] + " " + paths[1];
    with_kill(killable("llbitmap-repair") + " --repair --yes " + args, at);
    const std::string when = "repair killed before I/O " + std::to_string(at);
    const Log vda = log_of(paths[0]);
    EXPECT_TRUE(vda.offset == 16 || vda.offset == 264) << when << ": vda log at " << vda.offset;
    if (vda.offset == 264) {
      EXPECT_TRUE(vda.declared && has_entry(vda.at_264)) << when;
    }
    for (const std::string& p : paths) {
      const std::int64_t off = log_of(p).offset;
      EXPECT_TRUE(off == 16 || off == 264) << when << ": " << p << " log at " << off;
    }
    std::string out;
    const int rc = run_command(tool("llbitmap-repair") + " --repair --yes " + args + " 2>&1", &out);
    EXPECT_TRUE(rc == 0 || rc == 1) << when << ": " << rc << "\n" << out;
    const Log done = log_of(paths[0]);
    EXPECT_EQ(done.offset, 264) << when;
    EXPECT_TRUE(done.declared) << when;
    EXPECT_TRUE(has_entry(done.at_264)) << when;
    EXPECT_EQ(log_of(paths[1]).offset, 264) << when;
    for (const auto& f : test::flagged_per_member(paths)) {
      for (std::uint64_t c : {3072ull, 3075ull, 3079ull, 5000ull, 7167ull}) {
        EXPECT_TRUE(std::binary_search(f.begin(), f.end(), c)) << when << ": chunk " << c;
      }
    }
    EXPECT_EQ(run_command(tool("llbitmap-repair") + " " + args + " 2>&1", &out), 0) << when << "\n" << out;
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace llb
