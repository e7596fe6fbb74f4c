// Reading whole members: layout detection, findings on damaged bytes, and the assembly the
// kernel would perform, on synthetic members built with the create codec.

#include <gtest/gtest.h>

#include <algorithm>

#include "libformat/ops/assembly.h"
#include "libformat/codec/endian.h"
#include "libformat/ops/examine.h"
#include "libformat/ops/member.h"
#include "tests/test_util.h"

namespace llb {
namespace {

bool has_code(const Member& m, const std::string& code) {
  return std::any_of(m.findings.begin(), m.findings.end(),
                     [&](const Finding& f) { return f.code == code; });
}

Member load(MemoryDevice& dev, LayoutChoice layout = LayoutChoice::Auto) {
  auto m = load_member(dev, layout);
  EXPECT_TRUE(m.ok()) << m.status().to_string();
  return std::move(m).value();
}

std::vector<std::uint8_t> states_with(std::size_t n, std::initializer_list<std::pair<std::size_t, State>> set) {
  std::vector<std::uint8_t> s(n, 0);
  for (auto [i, st] : set) s[i] = static_cast<std::uint8_t>(st);
  return s;
}

TEST(Member, ReadsASyntheticUpstreamMemberWithoutFindings) {
  ArraySpec spec = test::small_array(64);
  MemoryDevice dev = test::make_member(spec, 0, 3, states_with(1008, {{5, State::Clean}}));
  Member m = load(dev);
  EXPECT_TRUE(m.findings.empty()) << m.findings[0].message;
  EXPECT_EQ(m.layout, KernelVersion::Upstream);
  ASSERT_TRUE(m.states);
  EXPECT_EQ(m.states->bytes.size(), 1008u);
  EXPECT_EQ(m.states->bytes[5], 1);
  EXPECT_EQ(m.states->gap_not_filler, 0u);
  EXPECT_EQ(m.states->tail_bytes, 4096u - 1024u - 1008u);
}

TEST(Member, AutoDetectsTheRfcLayout) {
  ArraySpec spec = test::small_array(64, 2, KernelVersion::Rfc);
  MemoryDevice dev = test::make_member(spec, 0, 3, states_with(1008, {{7, State::Dirty}}));
  Member m = load(dev);
  EXPECT_EQ(m.layout, KernelVersion::Rfc) << m.layout_reason;
  EXPECT_EQ(m.states->bytes[7], 2);
  EXPECT_EQ(m.geometry->state_byte_offset(0), 8192u + 4096u);
  // Forcing the upstream layout reads mdadm's 0xff filler as invalid states.
  Member forced = load(dev, LayoutChoice::Upstream);
  EXPECT_TRUE(has_code(forced, "invalid-state-bytes"));
}

TEST(Member, RfcPlaceholderIsRecognisedByItsFirstUseBit) {
  ArraySpec spec = test::small_array(64, 2, KernelVersion::Rfc);
  MemoryDevice dev = test::make_member(spec, 0, 0, {}, BitmapInit::Placeholder);
  Member m = load(dev);
  EXPECT_EQ(m.layout, KernelVersion::Rfc);
  EXPECT_TRUE(m.verdict->first_use);
}

TEST(Member, ReportsInvalidStateBytesAndAssemblyForcesThemToNeedSync) {
  ArraySpec spec = test::small_array(64);
  auto s = states_with(1008, {});
  s[100] = 0x2a;
  s[101] = 0xff;
  MemoryDevice dev = test::make_member(spec, 0, 3, s);
  Member m = load(dev);
  ASSERT_TRUE(has_code(m, "invalid-state-bytes"));
  EXPECT_EQ(count_states(m.states->bytes, m.layout).invalid, 2u);
  AssemblyPlan p = predict_assembly(m, false);
  EXPECT_EQ(p.invalid_forced, 2u);
  EXPECT_EQ(p.sync_chunks, 2u);
  EXPECT_EQ(p.states_after_load[100], static_cast<std::uint8_t>(State::NeedSync));
}

TEST(Member, ReportsDamagedFiller) {
  ArraySpec spec = test::small_array(64);
  MemoryDevice dev = test::make_member(spec, 0);
  dev.bytes()[8192 + 300] = 0;          // between superblock and states
  dev.bytes()[8192 + 1024 + 1008] = 7;  // first byte after the last chunk
  Member m = load(dev);
  ASSERT_TRUE(has_code(m, "filler-damaged"));
  EXPECT_EQ(m.states->gap_not_filler, 1u);
  EXPECT_EQ(m.states->tail_not_filler, 1u);
  EXPECT_EQ(m.states->first_bad_filler_offset, 8192u + 300u);
}

TEST(Member, ReportsAChecksumMismatchAsAnError) {
  ArraySpec spec = test::small_array(64);
  MemoryDevice dev = test::make_member(spec, 0);
  dev.bytes()[4096 + mdsb::kEvents] ^= 4;
  Member m = load(dev);
  ASSERT_TRUE(has_code(m, "md-checksum-mismatch"));
  EXPECT_TRUE(has_severity(m.findings, Severity::Error));
  Examination ex = examine_devices({&dev}, LayoutChoice::Auto);
  EXPECT_EQ(ex.exit_status & kExamineUnusable, kExamineUnusable);
}

TEST(Member, StaleBitmapMakesEveryWrittenChunkNeedSync) {
  ArraySpec spec = test::small_array(64);
  auto s = states_with(1008, {{1, State::Clean}, {2, State::Dirty}, {3, State::NeedSync}});
  MemoryDevice dev = test::make_member(spec, 0, 3, s);
  // md events ahead of the bitmap's: rewrite the md superblock with events 9.
  MemberSpec ms;
  ms.device_uuid = test::test_uuid(100);
  MdSuperblock sb = make_md_superblock(spec, ms, 9);
  std::vector<std::uint8_t> raw(4096, 0);
  ASSERT_TRUE(encode_md_superblock(sb, raw).ok());
  ASSERT_TRUE(dev.write_at(4096, raw).ok());
  Member m = load(dev);
  ASSERT_TRUE(m.verdict->stale);
  AssemblyPlan p = predict_assembly(m, false);
  EXPECT_EQ(p.action, LoadAction::Stale);
  EXPECT_EQ(p.sync_chunks, 3u);  // Clean, Dirty and NeedSync; Unwritten stays
  EXPECT_EQ(p.states_after_load[0], 0);
}

TEST(Member, ReloadResyncsDirtyButNotCleanOrUnwritten) {
  ArraySpec spec = test::small_array(64);
  auto s = states_with(1008, {{1, State::Clean}, {2, State::Dirty}, {3, State::Syncing}});
  MemoryDevice dev = test::make_member(spec, 0, 3, s);
  AssemblyPlan p = predict_assembly(load(dev), false);
  EXPECT_EQ(p.action, LoadAction::Reload);
  ASSERT_EQ(p.sync_runs.size(), 1u);
  EXPECT_EQ(p.sync_runs[0].first, 2u);
  EXPECT_EQ(p.sync_runs[0].last, 3u);
}

TEST(Member, WarnsWhenTheStateAreaOverlapsTheBadBlockLog) {
  // 256 MiB: 4064 chunks, so the states reach into page 1, where mdadm put the bad-block log.
  ArraySpec spec = test::small_array(256);
  MemoryDevice dev = test::make_member(spec, 0);
  Member m = load(dev);
  EXPECT_TRUE(has_code(m, "bblog-overlap"));
  ArraySpec small = test::small_array(128);
  MemoryDevice dev2 = test::make_member(small, 0);
  EXPECT_FALSE(has_code(load(dev2), "bblog-overlap"));
}

TEST(Member, RefusedBitmapMeansTheArrayWouldNotStart) {
  ArraySpec spec = test::small_array(64);
  MemoryDevice dev = test::make_member(spec, 0);
  put_le32(std::span<std::uint8_t>(dev.bytes()).subspan(8192), bmsb::kDaemonSleep, 0);
  Member m = load(dev);
  EXPECT_TRUE(has_code(m, "bitmap-daemon-sleep-out-of-range"));
  EXPECT_EQ(predict_assembly(m, false).action, LoadAction::Refused);
}

TEST(Member, MemberWithoutBitmapSaysSo) {
  ArraySpec spec = test::small_array(64);
  MemoryDevice dev = test::make_member(spec, 0);
  MemberSpec ms;
  MdSuperblock sb = make_md_superblock(spec, ms, 3);
  sb.feature_map = 0;
  sb.sb_csum = md_sb_checksum(sb);
  std::vector<std::uint8_t> raw(4096, 0);
  ASSERT_TRUE(encode_md_superblock(sb, raw).ok());
  ASSERT_TRUE(dev.write_at(4096, raw).ok());
  Member m = load(dev);
  EXPECT_FALSE(m.has_bitmap);
  EXPECT_TRUE(has_code(m, "no-bitmap"));
  EXPECT_EQ(predict_assembly(m, false).action, LoadAction::NoBitmap);
}

TEST(Member, ReadsAClassicVersion4Bitmap) {
  ArraySpec spec = test::small_array(64);
  MemoryDevice dev = test::make_member(spec, 0);
  BitmapSuperblock b;
  b.version = kBitmapMajorHi;
  b.uuid = spec.array_uuid;
  b.chunksize = 64 << 20;  // bytes, for classic bitmaps
  b.sync_size = 129024;
  b.daemon_sleep = 5;
  std::vector<std::uint8_t> area(4096, 0);
  ASSERT_TRUE(encode_bitmap_superblock(b, area).ok());
  area[256] = 0x01;  // chunk 0 dirty (of 1 chunk: 63 MiB in 64 MiB chunks)
  ASSERT_TRUE(dev.write_at(8192, area).ok());
  Member m = load(dev);
  EXPECT_FALSE(m.lockless);
  ASSERT_TRUE(m.classic);
  EXPECT_EQ(m.classic->chunks, 1u);
  EXPECT_EQ(m.classic->dirty, 1u);
  EXPECT_TRUE(has_code(m, "classic-bitmap"));
}

TEST(Member, BitmapOffsetPastTheDeviceEndIsAnError) {
  ArraySpec spec = test::small_array(64);
  MemoryDevice dev = test::make_member(spec, 0);
  MemberSpec ms;
  MdSuperblock sb = make_md_superblock(spec, ms, 3);
  sb.bitmap_offset = 1 << 20;
  sb.sb_csum = md_sb_checksum(sb);
  std::vector<std::uint8_t> raw(4096, 0);
  ASSERT_TRUE(encode_md_superblock(sb, raw).ok());
  ASSERT_TRUE(dev.write_at(4096, raw).ok());
  EXPECT_TRUE(has_code(load(dev), "bitmap-outside-device"));
}

TEST(Member, NoSuperblockIsAnErrorNotAFinding) {
  MemoryDevice dev("blank", 64 << 20);
  auto m = load_member(dev, LayoutChoice::Auto);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), Code::NotFound);
  Examination ex = examine_devices({&dev}, LayoutChoice::Auto);
  EXPECT_EQ(ex.exit_status, kExamineUnusable);
}

TEST(Member, DegradedRecoveryIncludesDirtyChunksOnUpstreamOnly) {
  EXPECT_TRUE(chunk_needs_sync(KernelVersion::Upstream, 2, true));
  EXPECT_FALSE(chunk_needs_sync(KernelVersion::Upstream, 2, false));
  EXPECT_FALSE(chunk_needs_sync(KernelVersion::Rfc, 2, true));
  EXPECT_TRUE(chunk_needs_sync(KernelVersion::Rfc, 3, false));
  EXPECT_FALSE(chunk_needs_sync(KernelVersion::Upstream, 1, true));
}

TEST(StateRuns, CollapsesEqualNeighbours) {
  std::vector<std::uint8_t> b = {2, 2, 0, 0, 0, 2, 1};
  auto runs = state_runs(b);
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].last, 1u);
  EXPECT_EQ(runs[1].first, 2u);
  EXPECT_EQ(runs[1].last, 4u);
  EXPECT_EQ(runs[3].value, 1);
}

TEST(StateCounts, CountsRfcStatesAboveFourAsInvalid) {
  std::vector<std::uint8_t> b = {0, 4, 5, 7};
  EXPECT_EQ(count_states(b, KernelVersion::Rfc).invalid, 2u);
  EXPECT_EQ(count_states(b, KernelVersion::Upstream).invalid, 0u);
}

}  // namespace
}  // namespace llb
