// Behaviour of the simulated array end to end: crash and reassembly resync what may differ,
// recovery of a re-added member copies what it missed, degraded writes are remembered, and the
// two kernel versions part where their sources part.

#include <gtest/gtest.h>

#include "libformat/ops/examine.h"
#include "sim/core/disk_device.h"
#include "sim/llbitmap/llbitmap_model.h"
#include "sim/workload/export.h"
#include "sim/workload/runner.h"
#include "tests/test_util.h"

namespace llb::sim {
namespace {

constexpr std::uint8_t U = 0, C = 1, D = 2, N = 3;

Trace base_trace(std::uint32_t members = 2, const std::string& size = "64M") {
  auto t = parse_trace(R"({"format":"llbitmap-sim-trace","version":1,"array":{"members":)" +
                           std::to_string(members) + R"(,"member_size":")" + size +
                           R"("},"ops":[{"op":"create"},{"op":"wait_sync"}]})",
                       "test");
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return *t;
}

TraceOp op(OpKind k) {
  TraceOp o;
  o.kind = k;
  return o;
}
TraceOp write_op(std::uint64_t off, std::uint64_t len, bool async = false) {
  TraceOp o = op(OpKind::Write);
  o.offset_bytes = off;
  o.length_bytes = len;
  o.async = async;
  return o;
}
TraceOp wait_s(std::uint64_t s) {
  TraceOp o = op(OpKind::Wait);
  o.duration = s * kTicksPerSecond;
  return o;
}
TraceOp member_op(OpKind k, std::uint32_t m) {
  TraceOp o = op(k);
  o.member = m;
  return o;
}

bool mirrors_equal(MdArray& a) {
  for (std::uint32_t m = 1; m < a.member_count(); ++m) {
    if (a.disk(m).data_durable() != a.disk(0).data_durable()) return false;
  }
  return true;
}

RunResult run(TraceRunner& r) {
  RunResult res = r.run();
  EXPECT_TRUE(res.ok) << res.error;
  return res;
}

TEST(SimArray, CrashWithCacheLossThenAssemblyResyncsTheMirrors) {
  Trace t = base_trace();
  for (int i = 0; i < 20; ++i) t.ops.push_back(write_op(i * 3 * 65536, 8192, true));
  TraceOp crash = op(OpKind::Crash);
  crash.inflight = CrashFate::Random;
  crash.cached = CrashFate::Random;
  t.ops.push_back(crash);
  TraceRunner r(t, {.seed = 3, .kernel = KernelModel::Upstream, .export_dir = "", .timeline = false, .should_stop = {}});
  run(r);
  // Mirrors may differ now; the on-disk bitmap must flag every chunk where they do.
  MdArray& a = r.array();
  bool differ = !mirrors_equal(a);
  Trace t2 = t;
  t2.ops.push_back(op(OpKind::Assemble));
  t2.ops.push_back(op(OpKind::WaitSync));
  TraceRunner r2(t2, {.seed = 3, .kernel = KernelModel::Upstream, .export_dir = "", .timeline = false, .should_stop = {}});
  run(r2);
  EXPECT_TRUE(mirrors_equal(r2.array())) << "resync left mirrors different (they differed: " << differ << ")";
}

TEST(SimArray, ReaddedMemberRecoversTheWritesItMissed) {
  Trace t = base_trace(3);
  t.ops.push_back(write_op(0, 4096));
  t.ops.push_back(member_op(OpKind::Fail, 1));
  t.ops.push_back(member_op(OpKind::Remove, 1));
  t.ops.push_back(write_op(32 * 65536, 65536));
  t.ops.push_back(write_op(900 * 65536, 4096));
  TraceOp flush = op(OpKind::Flush);
  t.ops.push_back(flush);
  TraceRunner r(t, {.seed = 1, .kernel = KernelModel::Upstream, .export_dir = "", .timeline = false, .should_stop = {}});
  run(r);
  EXPECT_FALSE(mirrors_equal(r.array()));
  const LlbitmapModel* b = r.array().bitmap();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->state(32), N);
  EXPECT_EQ(b->state(900), N);
  Trace t2 = t;
  t2.ops.push_back(member_op(OpKind::Readd, 1));
  t2.ops.push_back(op(OpKind::WaitSync));
  t2.ops.push_back(flush);
  TraceRunner r2(t2, {.seed = 1, .kernel = KernelModel::Upstream, .export_dir = "", .timeline = false, .should_stop = {}});
  run(r2);
  EXPECT_TRUE(mirrors_equal(r2.array()));
  EXPECT_FALSE(r2.array().degraded());
}

TEST(SimArray, UpstreamKeepsDegradedWritesButTheRfcForgetsThem) {
  // Write while degraded, wait for the daemon, re-add: upstream recovers the chunk; the RFC's
  // daemon cleared it (it has no degraded rule), so recovery skips it and the mirrors differ.
  for (KernelModel v : {KernelModel::Upstream, KernelModel::Rfc}) {
    Trace t = base_trace();
    t.ops.push_back(member_op(OpKind::Fail, 1));
    t.ops.push_back(member_op(OpKind::Remove, 1));
    t.ops.push_back(write_op(5 * 65536, 4096));
    t.ops.push_back(wait_s(40));
    t.ops.push_back(member_op(OpKind::Readd, 1));
    t.ops.push_back(op(OpKind::WaitSync));
    t.ops.push_back(op(OpKind::Flush));
    TraceRunner r(t, {.seed = 2, .kernel = v, .export_dir = "", .timeline = false, .should_stop = {}});
    run(r);
    if (v == KernelModel::Upstream) {
      EXPECT_TRUE(mirrors_equal(r.array())) << "upstream";
    } else {
      EXPECT_FALSE(mirrors_equal(r.array())) << "rfc";
    }
  }
}

TEST(SimArray, DaemonClearsInMemoryOnlyUntilStopWritesIt) {
  Trace t = base_trace();
  t.ops.push_back(write_op(0, 4096));
  t.ops.push_back(wait_s(40));
  TraceOp dump = op(OpKind::Dump);
  dump.label = "after-daemon";
  t.ops.push_back(dump);
  t.ops.push_back(op(OpKind::Stop));
  TraceRunner r(t, {.seed = 1, .kernel = KernelModel::Upstream, .export_dir = "", .timeline = false, .should_stop = {}});
  RunResult res = run(r);
  ASSERT_EQ(res.dumps.size(), 1u);
  EXPECT_EQ(res.dumps[0].members[0].states[0], D);          // disk still Dirty
  EXPECT_EQ(res.dumps[0].memory_counts[C], 1u);             // memory says Clean
  EXPECT_EQ(res.final_state.members[0].states[0], C);       // stop wrote it
}

TEST(SimArray, RfcDaemonRunsAtTheNextJiffyNotAfterDaemonSleep) {
  for (KernelModel v : {KernelModel::Upstream, KernelModel::Rfc}) {
    Trace t = base_trace();
    t.ops.push_back(write_op(0, 4096));
    TraceOp w = op(OpKind::Wait);
    w.duration = 100 * kTicksPerMs;
    t.ops.push_back(w);
    TraceOp dump = op(OpKind::Dump);
    t.ops.push_back(dump);
    TraceRunner r(t, {.seed = 1, .kernel = v, .export_dir = "", .timeline = false, .should_stop = {}});
    RunResult res = run(r);
    const auto& c = res.dumps[0].memory_counts;
    if (v == KernelModel::Rfc) {
      EXPECT_EQ(c[C], 1u) << "the RFC's timer_reduce(..., 1) runs the daemon at once";
    } else {
      EXPECT_EQ(c[D], 1u) << "upstream waits daemon_sleep (30 s)";
    }
  }
}

TEST(SimArray, DiscardMarksTheLastPartlyCoveredChunkUnwritten) {
  Trace t = base_trace();
  t.ops.push_back(write_op(0, 4 * 65536));  // chunks 0-3 Dirty
  TraceOp d = op(OpKind::Discard);
  d.offset_bytes = 65536 + 4096;             // from inside chunk 1 ...
  d.length_bytes = 65536 + 8192;             // ... to inside chunk 2
  t.ops.push_back(d);
  TraceRunner r(t, {.seed = 1, .kernel = KernelModel::Upstream, .export_dir = "", .timeline = false, .should_stop = {}});
  run(r);
  const LlbitmapModel* b = r.array().bitmap();
  EXPECT_EQ(b->state(1), D);  // not fully covered at its start: kept
  EXPECT_EQ(b->state(2), U);  // only partly covered, yet the kernel marks it Unwritten
  EXPECT_EQ(b->state(3), D);
}

TEST(SimArray, ExportedCrashImagesExamineLikeTheRealKernels) {
  test::TempDir dir;
  auto t = load_trace(std::string(LLB_FIXTURES_DIR) + "/traces/b-crash-dirty.json");
  ASSERT_TRUE(t.ok());
  TraceRunner r(*t, {.seed = 1, .kernel = KernelModel::Upstream, .export_dir = dir.path(), .timeline = false, .should_stop = {}});
  RunResult res = run(r);
  ASSERT_EQ(res.exported.size(), 2u);
  Examination ours = examine_paths(res.exported, LayoutChoice::Auto);
  Examination real = examine_paths({test::fixture_image("b-crash-dirty", "vda"),
                                    test::fixture_image("b-crash-dirty", "vdb")},
                                   LayoutChoice::Auto);
  ASSERT_EQ(ours.members.size(), 2u);
  for (int m = 0; m < 2; ++m) {
    auto a = state_runs(ours.members[m].states->bytes);
    auto b = state_runs(real.members[m].states->bytes);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].first, b[i].first);
      EXPECT_EQ(a[i].last, b[i].last);
      EXPECT_EQ(a[i].value, b[i].value);
    }
  }
  EXPECT_EQ(ours.arrays[0].plan.sync_chunks, real.arrays[0].plan.sync_chunks);
}

}  // namespace
}  // namespace llb::sim
