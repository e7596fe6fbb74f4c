// md's bad-block log in the simulator: the in-memory table, raid1's narrowing of a failed write
// into bad blocks, the log written at superblock updates, its load at assembly, and where it
// meets the llbitmap's state bytes (docs/findings/bblog-overlap.md), checked against the real
// kernel's bytes of ../shared/realkernel/out/bb-overlap.

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <sstream>

#include "libformat/codec/md_superblock.h"
#include "libformat/io/md_locate.h"
#include "libformat/ops/member.h"
#include "sim/core/disk_device.h"
#include "sim/explore/explore.h"
#include "sim/md/bad_blocks.h"
#include "sim/workload/random_workload.h"
#include "sim/workload/runner.h"
#include "tests/test_util.h"

namespace llb::sim {
namespace {

TEST(BadBlockTable, MergesTouchingRangesAndCutsThemAtTheEntryLimit) {
  BadBlockTable t;
  t.set_enabled(true);
  ASSERT_TRUE(t.set(100, 8));
  ASSERT_TRUE(t.set(108, 8));  // adjacent: one range
  ASSERT_EQ(t.count(), 1u);
  EXPECT_EQ(t.entries()[0].sector, 100u);
  EXPECT_EQ(t.entries()[0].sectors, 16u);
  ASSERT_TRUE(t.set(50, 1000));  // swallows it, and is longer than one entry may be
  ASSERT_EQ(t.count(), 2u);
  EXPECT_EQ(t.entries()[0].sector, 50u);
  EXPECT_EQ(t.entries()[0].sectors, 512u);
  EXPECT_EQ(t.entries()[1].sector, 562u);
  EXPECT_EQ(t.entries()[1].sectors, 488u);
  EXPECT_TRUE(t.overlaps(1049, 1));
  EXPECT_FALSE(t.overlaps(1050, 1));
  EXPECT_FALSE(t.overlaps(0, 50));
  t.clear_changed();
  EXPECT_TRUE(t.set(60, 4));  // already recorded: the log need not be written again
  EXPECT_FALSE(t.changed());
}

TEST(BadBlockTable, RefusesAnEmptyRangeAndATableBeyondOnePage) {
  BadBlockTable t;
  t.set_enabled(true);
  EXPECT_FALSE(t.set(10, 0));
  for (std::uint64_t i = 0; i < kBadBlockTableEntries; ++i) ASSERT_TRUE(t.set(i * 16, 1)) << i;
  EXPECT_FALSE(t.set(kBadBlockTableEntries * 16, 1));
  EXPECT_EQ(t.count(), kBadBlockTableEntries);
}

struct SimRun {
  std::unique_ptr<TraceRunner> runner;
  RunResult result;
  MdArray& array() { return runner->array(); }
};

SimRun run_trace(const std::string& json, KernelModel kernel = KernelModel::Upstream) {
  auto t = parse_trace(json, "test");
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  RunOptions o;
  o.kernel = kernel;
  o.timeline = true;
  SimRun r;
  r.runner = std::make_unique<TraceRunner>(*t, o);
  r.result = r.runner->run();
  return r;
}

std::string trace_json(const std::string& array, const std::string& ops) {
  return R"({"format":"llbitmap-sim-trace","version":1,"array":)" + array + R"(,"ops":[)" + ops +
         "]}";
}

std::vector<std::uint8_t> durable_bytes(MdArray& a, std::uint32_t m, std::uint64_t off,
                                        std::size_t n) {
  return a.disk(m).meta_durable().read(off, n);
}

// The bytes of an `xxd -s OFFSET -l LEN` listing ("*" repeats the line before up to the next).
std::map<std::uint64_t, std::uint8_t> parse_xxd(const std::string& text) {
  std::map<std::uint64_t, std::uint8_t> out;
  std::istringstream in(text);
  std::string line;
  std::vector<std::uint8_t> last;
  std::uint64_t last_off = 0;
  bool repeat = false;
  while (std::getline(in, line)) {
    if (line == "*") {
      repeat = true;
      continue;
    }
    unsigned long long off = 0;
    if (std::sscanf(line.c_str(), "%llx:", &off) != 1) continue;
    if (repeat) {
      for (std::uint64_t o = last_off + 16; o < off; o += 16) {
        for (std::size_t i = 0; i < last.size(); ++i) out[o + i] = last[i];
      }
      repeat = false;
    }
    std::vector<std::uint8_t> bytes;
    const std::string hex = line.substr(line.find(':') + 1, 40);
    std::string digits;
    for (char c : hex) {
      if (c != ' ') digits += c;
    }
    for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
      bytes.push_back(static_cast<std::uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
    }
    for (std::size_t i = 0; i < bytes.size(); ++i) out[off + i] = bytes[i];
    last = bytes;
    last_off = off;
  }
  return out;
}

// "first-last:value ..." as the harness's ondisk/dump print a member's state bytes.
std::string runs_of(const std::vector<std::uint8_t>& b) {
  std::string out;
  for (std::size_t i = 0; i < b.size();) {
    std::size_t j = i;
    while (j + 1 < b.size() && b[j + 1] == b[i]) ++j;
    out += (out.empty() ? "" : " ") + std::to_string(i) + "-" + std::to_string(j) + ":" +
           std::to_string(b[i]);
    i = j + 1;
  }
  return out;
}

// The line after "--- on-disk state bytes of /dev/<member>" inside vm.log's dump `label`.
std::string real_runs(const std::string& vm_log, const std::string& label, const std::string& member) {
  const std::size_t dump = vm_log.find("===== DUMP: " + label + " =====");
  if (dump == std::string::npos) return "no dump " + label;
  const std::size_t at = vm_log.find("--- on-disk state bytes of /dev/" + member, dump);
  if (at == std::string::npos) return "no state bytes of " + member;
  const std::size_t line = vm_log.find('\n', at) + 1;
  return vm_log.substr(line, vm_log.find('\n', line) - line);
}

// bb-overlap.sh's steps: the model meets the log where the real kernel did, in the same order;
// at the harness's dump after the log was written, both members' state bytes are Linux 7.2's
// (vda's chunks 3072-7167 are the log: 8 160 15 0 0 0 0 0, then 0xff); at the end vda's state
// area (bytes 9216-20479, the log's place included) is as Linux 7.2 left it.
TEST(SimBadBlocks, BbOverlapMeetsTheLogAsTheRealKernelDid) {
  auto trace = load_trace(std::string(LLB_FIXTURES_DIR) + "/traces/bb-overlap.json");
  ASSERT_TRUE(trace.ok()) << trace.status().to_string();
  RunOptions o;
  TraceRunner runner(*trace, o);
  RunResult r = runner.run();
  ASSERT_TRUE(r.ok) << r.error;
  MdArray& a = runner.array();
  const auto& cs = a.collisions();
  ASSERT_GE(cs.size(), 3u);
  EXPECT_EQ(cs.front().kind, MetaCollision::Kind::LogOverStates);
  EXPECT_EQ(cs.front().member, 0u);
  EXPECT_EQ(cs.front().first_chunk, 3072u);
  EXPECT_EQ(cs.front().last_chunk, 7167u);
  EXPECT_EQ(cs[1].kind, MetaCollision::Kind::StatesOverLog);
  EXPECT_EQ(cs.back().kind, MetaCollision::Kind::MemberRefused);
  EXPECT_EQ(cs.back().member, 0u);
  EXPECT_NE(cs.back().detail.find("vda does not have a valid v1.2 superblock, not importing!"),
            std::string::npos);
  EXPECT_NE(cs.back().detail.find("has a length of 0"), std::string::npos) << cs.back().detail;
  // vda is left out; vdb alone runs (the trace's assemble is mdadm --assemble --run).
  EXPECT_FALSE(a.rdev(0).in_array);
  EXPECT_TRUE(a.rdev(1).in_array);

  // vda's superblock declares bad blocks, as mdadm -E says of the real member.
  SimDiskDevice dev(a.disk(0), DiskView::Durable, false);
  auto loc = locate_md_superblock(dev);
  ASSERT_TRUE(loc.ok());
  EXPECT_TRUE(loc->sb.feature_map & kFeatureBadBlocks);
  EXPECT_NE(test::read_text_file(test::shared_dir() + "/realkernel/out/bb-overlap/host-mdadm-E.txt")
                .find("bad blocks present"),
            std::string::npos);

  const std::string vm_log =
      test::read_text_file(test::shared_dir() + "/realkernel/out/bb-overlap/vm.log");
  ASSERT_EQ(r.dumps.size(), 1u);
  ASSERT_EQ(r.dumps[0].label, "after-badblock");
  EXPECT_EQ(runs_of(r.dumps[0].members[0].states), real_runs(vm_log, "after-badblock", "vda"));
  EXPECT_EQ(runs_of(r.dumps[0].members[1].states), real_runs(vm_log, "after-badblock", "vdb"));
  EXPECT_NE(real_runs(vm_log, "after-badblock", "vda").find("3072-3072:8 3073-3073:160"),
            std::string::npos);

  const auto real = parse_xxd(
      test::read_text_file(test::shared_dir() + "/realkernel/out/bb-overlap/host-xxd-vda.txt"));
  ASSERT_TRUE(real.count(9216) && real.count(20479)) << "host-xxd-vda.txt does not cover 9216-20479";
  const auto ours = durable_bytes(a, 0, 9216, 20480 - 9216);
  std::size_t differ = 0;
  std::uint64_t first_diff = 0;
  for (std::uint64_t off = 9216; off < 20480; ++off) {
    if (ours[off - 9216] != real.at(off) && differ++ == 0) first_diff = off;
  }
  EXPECT_EQ(differ, 0u) << "first difference at byte " << first_diff;
}

// The RFC keeps its state bytes at +4096 from the bitmap superblock: byte 12288 is chunk 0, so
// the log meets them on an array of any size.
TEST(SimBadBlocks, RfcStateBytesMeetTheLogOnASmallArray) {
  SimRun r = run_trace(trace_json(R"({"members":2,"member_size":"64M"})",
                               R"({"op":"create"},{"op":"wait_sync"},
                                  {"op":"bad_block","member":"vda","sector":1000,"sectors":8},
                                  {"op":"wait","s":1},
                                  {"op":"write","offset":0,"length":4096},{"op":"wait","s":1})"),
                    KernelModel::Rfc);
  ASSERT_TRUE(r.result.ok) << r.result.error;
  const auto& cs = r.array().collisions();
  ASSERT_FALSE(cs.empty());
  EXPECT_EQ(cs[0].kind, MetaCollision::Kind::LogOverStates);
  EXPECT_EQ(cs[0].first_chunk, 0u);
  EXPECT_EQ(cs[0].last_chunk, r.array().geometry().chunks - 1);
}

// Upstream with 1008 chunks: the state bytes end before 12288. A media defect under a write:
// raid1 retries sector by sector, records the 8 that fail again as one bad block (absolute
// sectors), keeps the member, lands the rest; the log survives stop and assembly.
TEST(SimBadBlocks, AWriteOnADefectBecomesABadBlockThatSurvivesAssembly) {
  SimRun r = run_trace(trace_json(R"({"members":2,"member_size":"64M"})",
                               R"({"op":"create"},{"op":"wait_sync"},
                                  {"op":"media_error","member":"vda","offset":"1M","length":"4K"},
                                  {"op":"write","offset":"1M","length":"8K"},
                                  {"op":"wait","s":1},{"op":"stop"},{"op":"assemble"})"));
  ASSERT_TRUE(r.result.ok) << r.result.error;
  MdArray& a = r.array();
  EXPECT_TRUE(a.collisions().empty());
  EXPECT_TRUE(a.rdev(0).in_array);
  EXPECT_FALSE(a.rdev(0).faulty);
  ASSERT_EQ(a.rdev(0).badblocks.count(), 1u);
  EXPECT_EQ(a.rdev(0).badblocks.entries()[0].sector, 2048u + 2048u);
  EXPECT_EQ(a.rdev(0).badblocks.entries()[0].sectors, 8u);
  EXPECT_EQ(a.rdev(1).badblocks.count(), 0u);
  EXPECT_TRUE(a.range_has_bad_blocks(2048, 1));
  EXPECT_FALSE(a.range_has_bad_blocks(2056, 8));
  // The defect's sectors hold nothing on vda; the retried sectors after it landed.
  EXPECT_EQ(a.disk(0).data_durable()[2048], 0u);
  EXPECT_NE(a.disk(1).data_durable()[2048], 0u);
  EXPECT_EQ(a.disk(0).data_durable()[2056], a.disk(1).data_durable()[2056]);
  EXPECT_NE(a.disk(0).data_durable()[2056], 0u);
  // The log on disk: the entry, then 0xff.
  const auto log = durable_bytes(a, 0, 12288, 16);
  EXPECT_EQ(log[0], 0x08);  // (4096 << 10) | 8
  EXPECT_EQ(log[1], 0x00);
  EXPECT_EQ(log[2], 0x40);
  EXPECT_EQ(log[8], 0xff);
}

TEST(SimBadBlocks, AWriteNoMirrorTakesFails) {
  SimRun r = run_trace(trace_json(R"({"members":2,"member_size":"64M"})",
                               R"({"op":"create"},{"op":"wait_sync"},
                                  {"op":"media_error","member":"vda","offset":"1M","length":"4K"},
                                  {"op":"media_error","member":"vdb","offset":"1M","length":"4K"},
                                  {"op":"write","offset":"1M","length":"4K"})"));
  EXPECT_FALSE(r.result.ok);
  EXPECT_NE(r.result.error.find("write failed on every mirror"), std::string::npos) << r.result.error;
}

TEST(SimBadBlocks, TraceOpsAreCheckedAndRoundTrip) {
  auto bad = parse_trace(trace_json(R"({"members":2,"member_size":"64M"})",
                                    R"({"op":"bad_block","member":"vda","sector":1000,"sectors":0})"),
                         "t");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().to_string().find("sector/sectors"), std::string::npos);
  auto out = parse_trace(trace_json(R"({"members":2,"member_size":"64M"})",
                                    R"({"op":"media_error","member":"vdb","offset":"64M","length":"4K"})"),
                         "t");
  ASSERT_FALSE(out.ok());
  auto good = parse_trace(
      trace_json(R"({"members":2,"member_size":"64M"})",
                 R"({"op":"media_error","member":"vdb","offset":"4K","length":"4K"},
                    {"op":"bad_block","member":"vda","sector":3000,"sectors":16})"),
      "t");
  ASSERT_TRUE(good.ok()) << good.status().to_string();
  auto again = parse_trace(trace_to_json(*good), "t2");
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  ASSERT_EQ(again->ops.size(), 2u);
  EXPECT_EQ(again->ops[0].kind, OpKind::MediaError);
  EXPECT_EQ(again->ops[0].member, 1u);
  EXPECT_EQ(again->ops[0].offset_bytes, 4096u);
  EXPECT_EQ(again->ops[1].kind, OpKind::BadBlock);
  EXPECT_EQ(again->ops[1].sector, 3000u);
  EXPECT_EQ(again->ops[1].sectors, 16u);
}

// The explorer finds the collision by itself: a seeded random workload with media errors on
// members of 8176 chunks, with nothing told about bad blocks or layouts. Without media errors
// the same seed meets no log; on small members the log never meets a state byte.
TEST(SimBadBlocks, TheExplorerFindsTheCollisionFromARandomWorkload) {
  WorkloadOptions w;
  w.member_size_bytes = 512ull << 20;
  w.media_errors = true;
  Trace t = random_workload(1, w);
  ExploreOptions o;
  o.seed = 1;
  o.stop_at_first = true;
  ExploreResult r = explore(t, o);
  ASSERT_TRUE(r.run_error.empty()) << r.run_error;
  ASSERT_FALSE(r.violations.empty());
  EXPECT_EQ(r.violations[0].invariant, "state-bytes-destroyed");
  EXPECT_GE(r.stats.state_bytes_destroyed, 1u);
  EXPECT_EQ(r.stats.safety_violations, 0u);

  Trace shrunk = shrink(t, o);
  EXPECT_LT(shrunk.ops.size(), t.ops.size());
  ExploreResult again = explore(shrunk, o);
  ASSERT_FALSE(again.violations.empty());
  EXPECT_EQ(again.violations[0].invariant, "state-bytes-destroyed");

  w.media_errors = false;
  o.max_states = 200000;
  o.stop_at_first = false;
  ExploreResult plain = explore(random_workload(1, w), o);
  EXPECT_EQ(plain.stats.state_bytes_destroyed + plain.stats.bblog_overwritten +
                plain.stats.members_refused,
            0u);

  w.media_errors = true;
  w.member_size_bytes = 64ull << 20;
  ExploreResult small = explore(random_workload(1, w), o);
  ASSERT_TRUE(small.run_error.empty()) << small.run_error;
  EXPECT_EQ(small.stats.state_bytes_destroyed, 0u);
}

}  // namespace
}  // namespace llb::sim

namespace llb::sim {
namespace {

bool has_finding(const Member& m, const std::string& code) {
  return std::any_of(m.findings.begin(), m.findings.end(),
                     [&](const Finding& f) { return f.code == code; });
}

// examine's three moments of the collision, read from vda as the bb-overlap trace leaves it
// before the bad block, after md wrote the log, after the llbitmap wrote a block back over it,
// and after the stop's flush.
TEST(SimBadBlocks, ExamineTellsTheMomentsOfTheCollisionApart) {
  auto full = load_trace(std::string(LLB_FIXTURES_DIR) + "/traces/bb-overlap.json");
  ASSERT_TRUE(full.ok()) << full.status().to_string();
  auto vda_after = [&](auto keep) {
    Trace t = *full;
    t.ops.erase(std::find_if(t.ops.begin(), t.ops.end(), keep), t.ops.end());
    RunOptions o;
    o.timeline = false;
    auto runner = std::make_unique<TraceRunner>(t, o);
    RunResult r = runner->run();
    EXPECT_TRUE(r.ok) << r.error;
    SimDiskDevice dev(runner->array().disk(0), DiskView::Durable, false);
    auto m = load_member(dev, LayoutChoice::Auto);
    EXPECT_TRUE(m.ok());
    return std::move(m).value();
  };
  const Member before = vda_after([](const TraceOp& op) { return op.kind == OpKind::BadBlock; });
  ASSERT_TRUE(before.bblog_overlap);
  EXPECT_FALSE(before.bblog_overlap->hit());
  EXPECT_EQ(before.bblog_overlap->first_chunk, 3072u);
  EXPECT_EQ(before.bblog_overlap->last_chunk, 7167u);
  EXPECT_TRUE(has_finding(before, "bblog-overlap"));
  EXPECT_FALSE(has_finding(before, "bblog-over-states"));

  const Member logged = vda_after([](const TraceOp& op) { return op.kind == OpKind::Dump; });
  ASSERT_TRUE(logged.bblog_overlap);
  const BblogOverlap& l = *logged.bblog_overlap;
  EXPECT_TRUE(l.log_over_states());
  EXPECT_FALSE(l.states_over_log());
  ASSERT_EQ(l.lost.size(), 1u);
  EXPECT_EQ(l.lost[0], (std::pair<std::uint64_t, std::uint64_t>{3072, 7167}));
  EXPECT_EQ(l.lost_read_as_states, 5u);  // the entry's five zero bytes read as Unwritten
  EXPECT_TRUE(has_finding(logged, "bblog-over-states"));
  EXPECT_FALSE(has_finding(logged, "bblog-overlap"));

  const Member rewritten = vda_after([](const TraceOp& op) { return op.kind == OpKind::Stop; });
  ASSERT_TRUE(rewritten.bblog_overlap);
  const BblogOverlap& w = *rewritten.bblog_overlap;
  EXPECT_TRUE(w.log_over_states());
  EXPECT_TRUE(w.states_over_log());
  EXPECT_EQ(w.state_blocks_in_log, 1u);
  ASSERT_EQ(w.lost.size(), 1u);
  EXPECT_EQ(w.lost[0].first, 3584u);
  EXPECT_TRUE(has_finding(rewritten, "bblog-over-states"));
  EXPECT_TRUE(has_finding(rewritten, "states-over-bblog"));
  ASSERT_TRUE(rewritten.bblog);
  EXPECT_EQ(bad_block_log_refusal(*rewritten.bblog), "");  // 64 bogus entries, then the 0xff fill

  const Member stopped = vda_after([](const TraceOp&) { return false; });
  ASSERT_TRUE(stopped.bblog_overlap);
  EXPECT_FALSE(stopped.bblog_overlap->log_over_states());
  EXPECT_EQ(stopped.bblog_overlap->state_blocks_in_log, 8u);
  EXPECT_TRUE(has_finding(stopped, "states-over-bblog"));
  EXPECT_TRUE(has_finding(stopped, "md-bblog-entry-refused"));
}

}  // namespace
}  // namespace llb::sim
