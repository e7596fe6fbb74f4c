// The simulator's parts on their own: the llbitmap in-memory model of each kernel version, the
// member disk's cache and crash semantics, and the trace parser's errors.

#include <gtest/gtest.h>

#include <iostream>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/codec/create.h"
#include "libformat/codec/endian.h"
#include "sim/core/disk.h"
#include "sim/llbitmap/llbitmap_model.h"
#include "sim/core/meta_area.h"
#include "sim/core/meta_bytes.h"
#include "sim/core/prng.h"
#include "sim/workload/runner.h"
#include "sim/workload/trace.h"
#include "tests/test_util.h"

namespace llb::sim {
namespace {

constexpr std::uint8_t U = 0, C = 1, D = 2, N = 3;

LlbitmapModel model(KernelModel v, std::uint32_t io_size = 512, std::uint64_t size_mib = 128) {
  const KernelPolicy& policy = kernel_policy(v);
  ArraySpec spec = test::small_array(size_mib, 2, policy.format->version);
  Geometry g = spec_geometry(spec);
  BitmapSuperblock b = make_bitmap_superblock(spec, BitmapInit::Initialised, 3);
  std::vector<std::uint8_t> states(g.chunks, U);
  return LlbitmapModel(policy, g, io_size, encode_bitmap_area(b, g, states));
}

// apply()'s shortcuts (a rewrite of a Dirty chunk, the table of bytes a pass leaves alone, eight
// Unwritten/Clean chunks per word) against the plain loop: random state bytes (valid ones of each
// version, NeedSync runs, long Unwritten/Clean stretches, invalid bytes), every action, degraded
// or not, ranges from one chunk to all; the results, every state byte and the page flags agree.
TEST(LlbitmapModel, ShortcutsGiveWhatThePlainLoopGives) {
  for (KernelModel v : {KernelModel::Upstream, KernelModel::Rfc}) {
    Prng p(v == KernelModel::Upstream ? 1 : 2);
    for (int round = 0; round < 400; ++round) {
      LlbitmapModel fast = model(v, 512, 16);
      const std::uint64_t chunks = fast.geometry().chunks;
      for (std::uint64_t c = 0; c < chunks; ++c) {
        const std::uint64_t pick = p.below(100);
        std::uint8_t b = pick < 70 ? static_cast<std::uint8_t>(p.below(2))   // Unwritten, Clean
                       : pick < 97 ? static_cast<std::uint8_t>(p.below(kernel_policy(v).format->state_count))
                                   : static_cast<std::uint8_t>(p.below(256));  // mostly invalid
        fast.set_area_byte(fast.geometry().data_offset_bytes + c, b);
      }
      LlbitmapModel plain = fast;
      plain.set_fast_paths(false);
      const auto action = static_cast<Action>(p.below(kernel_policy(v).format->action_count));
      const bool degraded = p.below(2) == 1;
      std::uint64_t start = p.below(chunks), end = p.below(100) < 30 ? start : p.below(chunks);
      if (end < start) std::swap(start, end);
      if (p.below(10) == 0) end = ~std::uint64_t{0};  // past the end: clipped to the last chunk
      const PassResult a = fast.apply(start, end, action, degraded, 1000);
      const PassResult b = plain.apply(start, end, action, degraded, 1000);
      const std::string what = std::string(kernel_model_name(v)) + " round " +
                               std::to_string(round) + " " + std::string(action_name(action));
      ASSERT_EQ(a.last_state, b.last_state) << what;
      ASSERT_EQ(a.need_resync, b.need_resync) << what;
      ASSERT_EQ(a.arm_daemon_timer, b.arm_daemon_timer) << what;
      ASSERT_EQ(a.rfc_timer_now, b.rfc_timer_now) << what;
      ASSERT_EQ(a.invalid, b.invalid) << what;
      ASSERT_EQ(fast.area(), plain.area()) << what;
      for (std::uint32_t pg = 0; pg < fast.pages(); ++pg) {
        ASSERT_EQ(fast.page(pg).dirty, plain.page(pg).dirty) << what << " page " << pg;
        ASSERT_EQ(fast.page(pg).dirty_blocks, plain.page(pg).dirty_blocks) << what << " page " << pg;
      }
    }
  }
}

// Metadata write bytes: copies share one buffer, each owner keeps it alive, and a released
// buffer reused from the pool holds exactly the new bytes (no stale tail from a longer write).
TEST(MetaBytes, CopiesShareAndReusedBuffersHoldOnlyTheNewBytes) {
  const std::vector<std::uint8_t> page(4096, 0xab);
  MetaBytes a(page);
  MetaBytes b = a;
  EXPECT_EQ(a.data(), b.data());
  a.clear();
  EXPECT_TRUE(a.empty());
  ASSERT_EQ(b.size(), 4096u);
  EXPECT_EQ(std::vector<std::uint8_t>(b.data(), b.data() + b.size()), page);
  MetaBytes c = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  MetaBytes& self = c;
  c = self;
  ASSERT_EQ(c.size(), 4096u);
  EXPECT_EQ(c.data()[4095], 0xab);
  const std::uint8_t* storage = c.data();
  c = MetaBytes();  // the last owner: the buffer goes back to the pool
  const std::vector<std::uint8_t> sector(512, 0x5c);
  MetaBytes d(sector.begin(), sector.end());
  EXPECT_EQ(d.data(), storage) << "the released buffer is reused";
  ASSERT_EQ(d.size(), 512u);
  EXPECT_EQ(std::vector<std::uint8_t>(d.data(), d.data() + d.size()), sector);
  MetaBytes e(page), f(sector);
  f = e;  // assignment releases f's own buffer
  EXPECT_EQ(f.data(), e.data());
  EXPECT_EQ(f.size(), 4096u);
}

// A metadata area: a whole aligned page write shares the write's buffer, a partial write copies
// the page first so no other holder sees it change, copies of an area are independent, and
// refresh copies into a flat view exactly the pages that changed.
TEST(MetaArea, SharesWholePagesCopiesOnWriteAndRefreshesChangedPages) {
  MetaArea area(3 * 4096 + 512);  // a short last page
  ASSERT_EQ(area.size(), 3u * 4096 + 512);
  EXPECT_EQ(area.bytes(), std::vector<std::uint8_t>(area.size(), 0));
  std::vector<std::uint8_t> flat;
  std::vector<std::uint64_t> versions;
  area.refresh(flat, versions);
  EXPECT_EQ(flat, area.bytes());

  const MetaBytes page(std::vector<std::uint8_t>(4096, 0x11));
  area.write(4096, page, 0, 4096);
  MetaArea copy = area;                 // shares every page with `area`
  const std::vector<std::uint8_t> two{0x22, 0x33};
  area.write(4096 + 100, two.data(), 2);  // page 1 is shared by `page` and `copy`: copied first
  EXPECT_EQ(page.data()[100], 0x11) << "the write's own bytes never change";
  EXPECT_EQ(copy.byte(4096 + 100), 0x11) << "a copy of the area keeps its bytes";
  EXPECT_EQ(area.byte(4096 + 100), 0x22);
  EXPECT_EQ(area.byte(4096 + 101), 0x33);
  EXPECT_EQ(area.byte(4096 + 102), 0x11);

  // A write across a page boundary and into the short last page.
  std::vector<std::uint8_t> across(700, 0x44);
  area.write(3 * 4096 - 300, across.data(), across.size());
  std::vector<std::uint8_t> expect = copy.bytes();
  expect[4096 + 100] = 0x22;
  expect[4096 + 101] = 0x33;
  std::fill(expect.begin() + 3 * 4096 - 300, expect.begin() + 3 * 4096 + 400, 0x44);
  EXPECT_EQ(area.bytes(), expect);
  EXPECT_EQ(area.read(3 * 4096 - 2, 4), (std::vector<std::uint8_t>{0x44, 0x44, 0x44, 0x44}));

  // refresh: only pages 1, 2 and 3 changed; page 0 of the flat view is left as it was (the test
  // scribbles on it to see that it is not copied again).
  flat[0] = 0x99;
  area.refresh(flat, versions);
  EXPECT_EQ(flat[0], 0x99);
  flat[0] = 0;
  EXPECT_EQ(flat, expect);
  area.refresh(flat, versions);
  EXPECT_EQ(flat, expect);
}

TEST(LlbitmapModelUpstream, FirstWriteInABlockDirtiesOneChunk) {
  LlbitmapModel m = model(KernelModel::Upstream);
  PassResult r = m.apply(640, 640, Action::Startwrite, false, 0);
  EXPECT_TRUE(r.arm_daemon_timer);
  EXPECT_EQ(m.state(640), D);
  EXPECT_EQ(m.state(641), U);
  auto blocks = m.take_dirty_blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].offset, 1536u);  // 1024 + 640 lies in the 512-byte block at 1536
  EXPECT_TRUE(m.take_dirty_blocks().empty());
}

TEST(LlbitmapModelUpstream, SecondDirtyingInTheSameBlockInfectsIt) {
  LlbitmapModel m = model(KernelModel::Upstream);
  m.apply(0, 0, Action::Startwrite, false, 0);
  (void)m.take_dirty_blocks();
  m.apply(16, 16, Action::Startwrite, false, 0);  // chunk 0 is still Dirty in the block
  for (std::uint64_t c = 0; c < 512; ++c) EXPECT_EQ(m.state(c), D) << c;
  EXPECT_EQ(m.state(512), U);
}

TEST(LlbitmapModelUpstream, OneMultiChunkWriteInfectsItsBlock) {
  LlbitmapModel m = model(KernelModel::Upstream);
  m.apply(700, 701, Action::Startwrite, false, 0);
  EXPECT_EQ(m.state(512), D);
  EXPECT_EQ(m.state(1023), D);
  EXPECT_EQ(m.state(1024), U);
}

TEST(LlbitmapModelUpstream, DegradedWritesGoToNeedSyncWithoutInfection) {
  LlbitmapModel m = model(KernelModel::Upstream);
  PassResult r = m.apply(0, 1, Action::Startwrite, true, 0);
  EXPECT_EQ(m.state(0), N);
  EXPECT_EQ(m.state(1), N);
  EXPECT_EQ(m.state(2), U);
  EXPECT_FALSE(r.need_resync);  // no resync while degraded: recovery handles it
}

TEST(LlbitmapModelUpstream, DaemonCleansAndReloadMarksNeedSync) {
  LlbitmapModel m = model(KernelModel::Upstream);
  m.apply(5, 5, Action::Startwrite, false, 0);
  LlbitmapModel reloaded = m;
  m.apply(0, m.geometry().chunks - 1, Action::Daemon, false, 0);
  EXPECT_EQ(m.state(5), C);
  PassResult r = reloaded.apply(0, reloaded.geometry().chunks - 1, Action::Reload, false, 0);
  EXPECT_EQ(reloaded.state(5), N);
  EXPECT_TRUE(r.need_resync);
}

TEST(LlbitmapModelUpstream, InvalidBytesBecomeNeedSync) {
  LlbitmapModel m = model(KernelModel::Upstream);
  m.set_area_byte(1024 + 9, 0x42);
  PassResult r = m.apply(0, 20, Action::Reload, false, 0);
  EXPECT_EQ(m.state(9), N);
  EXPECT_EQ(r.invalid, 1u);
  EXPECT_TRUE(r.need_resync);
}

// With 4 KiB logical blocks, block 0 of page 0 holds the bitmap superblock itself: infecting
// it rewrites the superblock's 0, 1 and 7 bytes as 2, as llbitmap_infect_dirty_bits does.
TEST(LlbitmapModelUpstream, InfectionWith4KiBBlocksRewritesTheSuperblockBytes) {
  LlbitmapModel m = model(KernelModel::Upstream, 4096);
  ASSERT_EQ(load_le32(m.area().data() + bmsb::kVersion), 6u);
  m.apply(0, 0, Action::Startwrite, false, 0);
  (void)m.take_dirty_blocks();
  m.apply(16, 16, Action::Startwrite, false, 0);
  EXPECT_EQ(load_le32(m.area().data() + bmsb::kVersion), 0x02020206u);
  EXPECT_EQ(m.state(2031), D);  // the whole block, up to the last chunk
}

// llbitmap_write_sb marks the superblock's two blocks with bitmap_fill, which sets whole longs:
// every block of page 0 is written with the superblock (seen on an instrumented Linux 7.2).
TEST(LlbitmapModelUpstream, FlushAndSuperblockUpdateBothWriteEveryBlockOfPageZero) {
  LlbitmapModel m = model(KernelModel::Upstream);
  EXPECT_EQ(m.all_blocks().size(), 8u);
  auto sb = m.superblock_blocks();
  ASSERT_EQ(sb.size(), 8u);
  EXPECT_EQ(sb[1].offset, 512u);
  EXPECT_EQ(sb[7].offset, 7u * 512);
  // 4 KiB logical blocks: the one block of page 0.
  LlbitmapModel big = model(KernelModel::Upstream, 4096);
  EXPECT_EQ(big.superblock_blocks().size(), 1u);
}

// The RFC's page writes: each write's bytes are its page as it was when written, and stay so
// while anyone holds them, although the model refills buffers nobody holds any more (with the
// bytes changed since) instead of copying the page into a new one each time.
TEST(LlbitmapModelRfc, PageWritesKeepTheirBytesWhileHeldAndReleasedBuffersAreRefilled) {
  LlbitmapModel m = model(KernelModel::Rfc, 512, 512);  // 8128 chunks: two state pages
  const std::uint64_t chunks = m.geometry().chunks, first = m.geometry().data_offset_bytes;
  ASSERT_GE(m.pages(), 3u);
  Prng p(11);
  struct Held {
    MetaBytes bytes;
    std::vector<std::uint8_t> want;
  };
  std::vector<Held> held;
  std::vector<BitmapWrite> out;
  std::uint64_t writes = 0;
  for (std::uint64_t step = 0; step < 4000; ++step) {
    const std::uint64_t pick = p.below(100);
    if (pick < 75) {
      const std::uint64_t c = p.below(chunks);
      m.apply(c, c + p.below(3), Action::Startwrite, false, step);
    } else if (pick < 85) {
      m.apply(0, chunks - 1, Action::Daemon, false, step);  // often more changes than the log holds
    } else if (pick < 90) {
      m.set_area_byte(first + p.below(chunks), static_cast<std::uint8_t>(p.below(4)));
    }
    m.take_dirty_state_pages(out);
    for (const BitmapWrite& w : out) {
      ++writes;
      const auto at = m.area().begin() + static_cast<std::ptrdiff_t>(w.offset);
      std::vector<std::uint8_t> now(at, at + 4096);
      ASSERT_EQ(std::vector<std::uint8_t>(w.bytes.data(), w.bytes.data() + w.bytes.size()), now)
          << "step " << step;
      held.push_back({w.bytes, std::move(now)});
    }
    out.clear();
    // The disks let go of written pages in their own time; what is held never changes.
    while (!held.empty() && p.below(3) != 0) {
      const std::size_t i = p.below(held.size());
      held[i] = std::move(held.back());
      held.pop_back();
    }
    for (const Held& h : held) {
      ASSERT_EQ(std::vector<std::uint8_t>(h.bytes.data(), h.bytes.data() + 4096), h.want)
          << "step " << step;
    }
  }
  ASSERT_GT(writes, 2000u);
  EXPECT_LT(m.page_copies(), writes / 2) << "released buffers are refilled, not copied anew";
}

TEST(LlbitmapModelRfc, InvalidByteGetsThePreviousChunksStateAsWritten) {
  LlbitmapModel m = model(KernelModel::Rfc);
  m.set_area_byte(4096 + 3, D);   // chunk 3 Dirty: Reload -> NeedSync
  m.set_area_byte(4096 + 4, 0x99);  // chunk 4 invalid: written with `state` left by chunk 3
  m.set_area_byte(4096 + 0, 0x99);  // chunk 0 invalid, first: written with BitNone
  PassResult r = m.apply(0, 10, Action::Reload, false, 0);
  EXPECT_EQ(m.state(0), 0xff);
  EXPECT_EQ(m.state(3), N);
  EXPECT_EQ(m.state(4), N);
  EXPECT_EQ(r.invalid, 2u);
}

TEST(LlbitmapModelRfc, StartwriteAsksForTheDaemonAtTheNextJiffy) {
  LlbitmapModel m = model(KernelModel::Rfc);
  PassResult r = m.apply(0, 0, Action::Startwrite, false, 0);
  EXPECT_TRUE(r.rfc_timer_now);
  EXPECT_FALSE(r.arm_daemon_timer);
  EXPECT_EQ(m.state(0), D);
  EXPECT_EQ(m.state(1), U);  // no infection in the RFC
}

TEST(LlbitmapModelRfc, DegradedWritesStayDirtyAndDaemonCleansThem) {
  LlbitmapModel m = model(KernelModel::Rfc);
  m.apply(0, 0, Action::Startwrite, true, 0);
  EXPECT_EQ(m.state(0), D);
  m.apply(0, 0, Action::Daemon, true, 0);
  EXPECT_EQ(m.state(0), C);  // the RFC forgets a degraded write
}

TEST(LlbitmapModelRfc, AnyChangeDirtiesTheWholePage) {
  LlbitmapModel m = model(KernelModel::Rfc);
  m.apply(0, 0, Action::Startwrite, false, 0);
  auto pages = m.take_dirty_state_pages();
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].bytes.size(), 4096u);
  EXPECT_EQ(pages[0].offset, 4096u);
}

DiskWrite data_write(std::uint64_t sector, std::uint64_t stamp, bool fua = false) {
  DiskWrite w;
  w.kind = DiskWriteKind::Data;
  w.sector = 2048 + sector;
  w.sectors = 8;
  w.fua = fua;
  w.stamps.assign(8, stamp);
  return w;
}

TEST(SimDisk, CompletedWritesStayVolatileUntilFlushed) {
  DiskConfig cfg;
  SimDisk d("d", cfg);
  auto id = d.submit_write(data_write(0, 7));
  EXPECT_TRUE(d.complete(id).ok);
  EXPECT_EQ(d.data_current()[0], 7u);
  EXPECT_EQ(d.data_durable()[0], 0u);
  auto f = d.submit_flush(0);
  d.complete(f);
  EXPECT_EQ(d.data_durable()[0], 7u);
}

TEST(SimDisk, FuaIsDurableAndPreflushCoversEarlierWrites) {
  DiskConfig cfg;
  SimDisk d("d", cfg);
  auto a = d.submit_write(data_write(0, 1));
  d.complete(a);
  DiskWrite w = data_write(8, 2, true);
  w.preflush = true;
  auto b = d.submit_write(std::move(w));
  auto c = d.submit_write(data_write(16, 3));  // completes after the preflush was issued
  d.complete(c);
  d.complete(b);
  EXPECT_EQ(d.data_durable()[0], 1u);
  EXPECT_EQ(d.data_durable()[8], 2u);
  EXPECT_EQ(d.data_durable()[16], 0u);
}

TEST(SimDisk, CrashResolvesCachedAndInflightWritesByPolicy) {
  DiskConfig cfg;
  SimDisk d("d", cfg);
  d.complete(d.submit_write(data_write(0, 1)));   // cached
  d.submit_write(data_write(8, 2));               // in flight
  CrashPolicy keep_all;
  keep_all.cached = [](const DiskWrite&) { return CachedFate::Kept; };
  keep_all.inflight = [](const DiskWrite&) { return InflightFate::Torn; };
  SimDisk copy = d;
  d.crash(keep_all);
  EXPECT_EQ(d.data_durable()[0], 1u);
  EXPECT_EQ(d.data_durable()[8], 2u);   // the first sector of the torn write landed
  EXPECT_EQ(d.data_durable()[9], 0u);
  copy.crash(CrashPolicy{});
  EXPECT_EQ(copy.data_durable()[0], 0u);
  EXPECT_EQ(copy.data_durable()[8], 0u);
}

TEST(SimDisk, TornWritesTearAtLogicalBlocks) {
  DiskConfig cfg;
  cfg.logical_block_size = 4096;
  SimDisk d("d", cfg);
  DiskWrite w = data_write(0, 5);
  w.sectors = 16;
  w.stamps.assign(16, 5);
  d.submit_write(std::move(w));
  CrashPolicy torn;
  torn.inflight = [](const DiskWrite&) { return InflightFate::Torn; };
  d.crash(torn);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(d.data_durable()[i], 5u);
  for (int i = 8; i < 16; ++i) EXPECT_EQ(d.data_durable()[i], 0u);
}

TEST(SimDisk, InjectedErrorsFailWritesAndLandNothing) {
  DiskConfig cfg;
  SimDisk d("d", cfg);
  d.inject_write_errors(1);
  auto c = d.complete(d.submit_write(data_write(0, 9)));
  EXPECT_TRUE(c.found);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(d.data_current()[0], 0u);
}

std::string trace_with(const std::string& ops, const std::string& array = "") {
  return R"({"format":"llbitmap-sim-trace","version":1,)" + array + R"("ops":[)" + ops + "]}";
}

// mdadm 4.6's data offset for a member of this size (super1.c), as the harness's members show it:
// 2048 sectors for 64 MiB, 18432 for 9 GiB; a trace without data_offset_sectors gets it.
TEST(TraceParse, DataOffsetDefaultsToMdadms) {
  EXPECT_EQ(mdadm_data_offset_sectors((64ull << 20) / 512), 2048u);
  EXPECT_EQ(mdadm_data_offset_sectors((512ull << 20) / 512), 2048u);
  EXPECT_EQ(mdadm_data_offset_sectors((1ull << 30) / 512), 4096u);
  EXPECT_EQ(mdadm_data_offset_sectors((9ull << 30) / 512), 18432u);
  EXPECT_EQ(mdadm_data_offset_sectors((300ull << 30) / 512), 264192u);
  auto t = parse_trace(trace_with(R"({"op":"create"})", R"("array":{"member_size":"9G"},)"), "t");
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->array.disk.data_offset_sectors, 18432u);
  auto given = parse_trace(
      trace_with(R"({"op":"create"})", R"("array":{"member_size":"9G","data_offset_sectors":2048},)"), "t");
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->array.disk.data_offset_sectors, 2048u);
}

// mdadm --assemble /dev/md0 /dev/vdb: only the members named are read; the array runs without
// the others, degraded; the list survives a round trip and names no member twice or out of range.
TEST(TraceParse, AssembleTakesTheMembersGiven) {
  auto t = parse_trace(trace_with(R"({"op":"create"},{"op":"wait_sync"},{"op":"stop"},
                                     {"op":"assemble","members":["vdb"]})"),
                       "t");
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->ops[3].offered, 2u);
  auto again = parse_trace(trace_to_json(*t), "t2");
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->ops[3].offered, 2u);
  RunOptions o;
  TraceRunner runner(*t, o);
  RunResult r = runner.run();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(runner.array().rdev(0).in_array);
  EXPECT_TRUE(runner.array().rdev(1).in_array);
  EXPECT_TRUE(runner.array().degraded());
  auto bad = parse_trace(trace_with(R"({"op":"assemble","members":["vdc"]})"), "t");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().to_string().find("members"), std::string::npos) << bad.status().to_string();
  EXPECT_FALSE(parse_trace(trace_with(R"({"op":"assemble","members":[]})"), "t").ok());
}

TEST(TraceParse, ReadsDdStyleWritesAsSeparateWrites) {
  auto t = parse_trace(trace_with(R"({"op":"write","dd":{"bs":"32k","count":4,"seek":321}})"), "t");
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  ASSERT_EQ(t->ops.size(), 4u);
  EXPECT_EQ(t->ops[0].offset_bytes, 321u * 32768);
  EXPECT_EQ(t->ops[3].offset_bytes, 324u * 32768);
  EXPECT_EQ(t->ops[3].length_bytes, 32768u);
}

TEST(TraceParse, RejectsBadInputWithTheFieldAndTheExpectation) {
  struct Case {
    std::string text;
    std::string message;
  } cases[] = {
      {"{", "not valid JSON"},
      {R"({"format":"x","version":1,"ops":[]})", "field 'format' is \"x\", expected \"llbitmap-sim-trace\""},
      {R"({"format":"llbitmap-sim-trace","version":2,"ops":[]})", "field 'version' is 2, expected 1"},
      {trace_with(R"({"op":"jump"})"), "field 'op' is \"jump\""},
      {trace_with(R"({"op":"write","offset":"4K","length":"12Q"})"), "ops[0] (write): field 'length' is \"12Q\""},
      {trace_with(R"({"op":"write","offset":100,"length":512})"), "whole 512-byte sectors"},
      {trace_with(R"({"op":"write","offset":"1G","length":"4K"})"), "inside the array's"},
      {trace_with(R"({"op":"fail","member":"vdc"})"), "field 'member' is \"vdc\", expected a member index below 2"},
      {trace_with(R"({"op":"set","knob":"speed","value":1})"), "field 'knob' is \"speed\""},
      {trace_with("", R"("array":{"members":9},)"), "field 'members' is 9, expected 2 to 8"},
      {trace_with("", R"("array":{"logical_block_size":1024},)"), "expected 512 or 4096"},
      {trace_with("", R"("array":{"level":"raid10"},)"),
       "field 'level' is \"raid10\", expected raid1 (RAID10 is not modelled yet)"},
      {trace_with("", R"("array":{"level":5},)"), "field 'level' is 5, expected raid1 (the only"},
      {trace_with("", R"("array":{"data_offset_sectors":18446744073709551608},)"),
       "field 'data_offset_sectors' is 18446744073709551608, expected at least 512 (room for the "
       "bitmap), a multiple of 8, at most 2^31"},
      {trace_with("", R"("array":{"member_size":"1M"},)"),
       "field 'member_size' is 1048576, expected a multiple of 4 KiB, at least the data offset"},
      {trace_with(R"({"op":"crash","inflight":"maybe"})"), "lost, landed (kept), torn or random"},
  };
  for (const char* ok : {R"("array":{"level":"raid1"},)", R"("array":{"level":1},)"}) {
    EXPECT_TRUE(parse_trace(trace_with("", ok), "t.json").ok()) << ok;
  }
  for (const auto& c : cases) {
    auto t = parse_trace(c.text, "t.json");
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_NE(t.status().message().find(c.message), std::string::npos)
        << t.status().message() << "\nwanted: " << c.message;
  }
}

TEST(TraceParse, RoundTripsThroughJson) {
  auto t = parse_trace(trace_with(R"({"op":"create"},{"op":"write","offset":"64K","length":"4K","async":true},{"op":"crash","inflight":"torn","cached":"random"})"), "t");
  ASSERT_TRUE(t.ok());
  auto again = parse_trace(trace_to_json(*t), "again");
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(trace_to_json(*again), trace_to_json(*t));
  EXPECT_EQ(again->ops[2].inflight, CrashFate::Torn);
}

TEST(ParseSize, AcceptsSuffixesAndRejectsGarbage) {
  EXPECT_EQ(parse_size("4k"), 4096u);
  EXPECT_EQ(parse_size("1M"), 1u << 20);
  EXPECT_EQ(parse_size("2GB"), 2ull << 30);
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_FALSE(parse_size("K"));
  EXPECT_FALSE(parse_size("1X"));
  EXPECT_FALSE(parse_size("99999999999999999999"));
}

}  // namespace
}  // namespace llb::sim
