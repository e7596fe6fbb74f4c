// llbitmap-examine agrees with the real kernel on every member in fixtures/realkernel/: its md
// superblock lines equal `mdadm -E`, its state bytes equal what the kernel read back with O_DIRECT
// (after the stop/poweroff flush that followed that read), and its per-state counts equal the
// kernel's last sysfs llbitmap/bits wherever the disk reflects them.

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>

#include "libformat/ops/examine.h"
#include "libformat/codec/llbitmap_transitions.h"
#include "libformat/report/report.h"
#include "tests/test_util.h"

namespace llb {
namespace {

// What happened after the VM's last read of the disk, and what the kernel's last `bits` dump
// needs to become the disk's counts.
enum class After { Nothing, FlushDirtyToClean };
struct ScenarioTruth {
  After disk_after_last_read;
  After bits_to_disk;
  std::vector<std::string> members_bits_apply_to;  // members whose disk the bits describe
  const char* why;
};

const std::map<std::string, ScenarioTruth>& truths() {
  static const std::map<std::string, ScenarioTruth> t = {
      {"a-clean-stop", {After::Nothing, After::Nothing, {"vda", "vdb"}, "no writes"}},
      {"a2-write-then-stop",
       {After::FlushDirtyToClean, After::FlushDirtyToClean, {"vda", "vdb"},
        "mdadm --stop after the last dump: llbitmap_flush runs the daemon and writes Clean"}},
      {"b-crash-dirty", {After::Nothing, After::Nothing, {"vda", "vdb"}, "sysrq-b: no flush"}},
      {"b2-poweroff-f",
       {After::FlushDirtyToClean, After::FlushDirtyToClean, {"vda", "vdb"},
        "poweroff -f: the reboot notifier flushes Dirty as Clean"}},
      {"c-degraded-3disk",
       {After::Nothing, After::Nothing, {"vda", "vdc"},
        "vdb failed: the kernel no longer writes its bitmap, so the bits describe vda and vdc"}},
      {"e-reassemble-after-crash",
       {After::FlushDirtyToClean, After::Nothing, {"vda", "vdb"},
        "the daemon cleared Dirty in memory before the last dump; stop wrote it"}},
      {"g-assume-clean", {After::Nothing, After::Nothing, {"vda", "vdb"}, "no writes"}},
      {"g2-reassemble-assume-clean",
       {After::FlushDirtyToClean, After::FlushDirtyToClean, {"vda", "vdb"},
        "stop after the last dump writes the one Dirty chunk as Clean"}},
  };
  return t;
}

// "0-511:2 512-639:0" -> bytes
std::vector<std::uint8_t> expand_runs(const std::string& runs) {
  std::vector<std::uint8_t> out;
  std::istringstream in(runs);
  std::string tok;
  while (in >> tok) {
    unsigned long a = 0, b = 0, v = 0;
    if (std::sscanf(tok.c_str(), "%lu-%lu:%lu", &a, &b, &v) != 3) continue;
    out.resize(b + 1);
    for (unsigned long i = a; i <= b; ++i) out[i] = static_cast<std::uint8_t>(v);
  }
  return out;
}

std::map<std::string, std::string> last_ondisk_reads(const std::string& vm_log) {
  std::map<std::string, std::string> out;
  std::istringstream in(vm_log);
  std::string line;
  std::regex head(R"(^--- on-disk state bytes of /dev/(vd[a-z]) )");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, head)) {
      std::string member = m[1];
      std::string runs;
      std::getline(in, runs);
      out[member] = runs;
    }
  }
  return out;
}

std::map<std::string, std::uint64_t> last_bits(const std::string& vm_log) {
  std::map<std::string, std::uint64_t> bits;
  std::istringstream in(vm_log);
  std::string line;
  while (std::getline(in, line)) {
    if (line != "--- /sys/block/md0/md/llbitmap/bits") continue;
    bits.clear();
    for (int i = 0; i < 8 && std::getline(in, line); ++i) {
      auto sp = line.find_last_of(' ');
      bits[line.substr(0, sp)] = std::stoull(line.substr(sp + 1));
    }
  }
  return bits;
}

void flush_dirty_to_clean(std::vector<std::uint8_t>& s) {
  for (auto& b : s) {
    if (b == static_cast<std::uint8_t>(State::Dirty)) b = static_cast<std::uint8_t>(State::Clean);
  }
}

std::string mdadm_section(const std::string& host_e, const std::string& member) {
  std::string marker = "### mdadm -E " + member + ".img\n";
  auto at = host_e.find(marker);
  if (at == std::string::npos) return {};
  at = host_e.find('\n', at + marker.size()) + 1;  // skip the "vda.img:" line
  auto end = host_e.find("   Array State :", at);
  end = host_e.find('\n', end) + 1;
  return host_e.substr(at, end - at);
}

class RealKernel : public ::testing::TestWithParam<std::string> {};

TEST_P(RealKernel, MdSuperblockLinesEqualMdadmExamine) {
  const std::string scenario = GetParam();
  std::string host_e = test::read_text_file(test::fixture_dir(scenario) + "/host-mdadm-E.txt");
  for (const auto& member : test::scenario_members(scenario)) {
    Examination ex = examine_paths({test::fixture_image(scenario, member)}, LayoutChoice::Auto);
    std::string text = render_text(ex, {});
    std::string expect = mdadm_section(host_e, member);
    ASSERT_FALSE(expect.empty()) << scenario << "/" << member;
    auto start = text.find('\n') + 1;
    EXPECT_EQ(text.substr(start, expect.size()), expect) << scenario << "/" << member;
  }
}

TEST_P(RealKernel, StateBytesEqualWhatTheKernelReadBack) {
  const std::string scenario = GetParam();
  const ScenarioTruth& truth = truths().at(scenario);
  auto reads = last_ondisk_reads(test::read_text_file(test::fixture_dir(scenario) + "/vm.log"));
  for (const auto& member : test::scenario_members(scenario)) {
    Examination ex = examine_paths({test::fixture_image(scenario, member)}, LayoutChoice::Auto);
    ASSERT_TRUE(ex.devices[0].member) << ex.devices[0].error.to_string();
    const Member& m = ex.members[0];
    ASSERT_TRUE(m.states) << scenario << "/" << member;
    EXPECT_EQ(m.layout, KernelVersion::Upstream);
    ASSERT_TRUE(reads.count(member)) << scenario << ": no in-VM read of " << member;
    std::vector<std::uint8_t> expect = expand_runs(reads[member]);
    if (truth.disk_after_last_read == After::FlushDirtyToClean &&
        std::find(truth.members_bits_apply_to.begin(), truth.members_bits_apply_to.end(),
                  member) != truth.members_bits_apply_to.end()) {
      flush_dirty_to_clean(expect);
    }
    EXPECT_EQ(m.states->bytes, expect) << scenario << "/" << member << ": " << truth.why;
  }
}

TEST_P(RealKernel, CountsEqualTheKernelsLastBitsWhereTheDiskReflectsThem) {
  const std::string scenario = GetParam();
  const ScenarioTruth& truth = truths().at(scenario);
  auto bits = last_bits(test::read_text_file(test::fixture_dir(scenario) + "/vm.log"));
  ASSERT_EQ(bits.size(), 8u) << scenario;
  if (truth.bits_to_disk == After::FlushDirtyToClean) {
    bits["clean"] += bits["dirty"];
    bits["dirty"] = 0;
  }
  for (const auto& member : truth.members_bits_apply_to) {
    Examination ex = examine_paths({test::fixture_image(scenario, member)}, LayoutChoice::Auto);
    ASSERT_TRUE(ex.devices[0].member);
    const Member& m = ex.members[0];
    StateCounts c = count_states(m.states->bytes, m.layout);
    for (int s = 0; s < kUpstreamStateCount; ++s) {
      std::string label(state_sysfs_label(static_cast<State>(s)));
      EXPECT_EQ(c.by_state[s], bits[label]) << scenario << "/" << member << " " << label << ": "
                                            << truth.why;
    }
    EXPECT_EQ(c.invalid, 0u);
  }
}

TEST_P(RealKernel, MembersOfOneArrayAreGroupedAndCompared) {
  const std::string scenario = GetParam();
  std::vector<std::string> paths;
  for (const auto& member : test::scenario_members(scenario)) {
    paths.push_back(test::fixture_image(scenario, member));
  }
  Examination ex = examine_paths(paths, LayoutChoice::Auto);
  ASSERT_EQ(ex.arrays.size(), 1u);
  const ArrayView& v = ex.arrays[0];
  EXPECT_EQ(v.members.size(), paths.size());
  for (std::size_t i = 0; i < v.members.size(); ++i) {
    EXPECT_EQ(v.members[i]->md.sb.role(), i) << "members are ordered by role";
  }
  if (scenario == "c-degraded-3disk") {
    ASSERT_EQ(v.lagging.size(), 1u);
    EXPECT_NE(v.members[v.lagging[0]]->device.find("vdb"), std::string::npos);
    EXPECT_TRUE(v.degraded);
    EXPECT_EQ(v.comparisons[1].differing_bytes, 5u);  // chunks 0, 32, 600, 900, 901
  } else {
    EXPECT_TRUE(v.lagging.empty());
    for (const auto& c : v.comparisons) EXPECT_EQ(c.differing_bytes, 0u) << scenario;
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, RealKernel,
                         ::testing::ValuesIn(test::realkernel_scenarios()),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           for (auto& c : n) c = (c == '-') ? '_' : c;
                           return n;
                         });

// The assembly the kernel really performed in scenario e, from b's images: chunks 0-511, 640 and
// 2031 were resynced.
TEST(RealKernelAssembly, PredictsTheResyncTheKernelDidOnReassembly) {
  Examination ex = examine_paths({test::fixture_image("b-crash-dirty", "vda"),
                                  test::fixture_image("b-crash-dirty", "vdb")},
                                 LayoutChoice::Auto);
  const AssemblyPlan& p = ex.arrays[0].plan;
  EXPECT_EQ(p.action, LoadAction::Reload);
  ASSERT_EQ(p.sync_runs.size(), 3u);
  EXPECT_EQ(format_range(p.sync_runs[0].first, p.sync_runs[0].last), "0-511");
  EXPECT_EQ(format_range(p.sync_runs[1].first, p.sync_runs[1].last), "640");
  EXPECT_EQ(format_range(p.sync_runs[2].first, p.sync_runs[2].last), "2031");
  EXPECT_EQ(p.sync_bytes, 514u * 65536);
  EXPECT_EQ(p.full_sync_bytes, 260096u * 512);
  EXPECT_EQ(ex.exit_status, kExamineAttention);
}

TEST(RealKernelAssembly, FirstUsePlaceholderMeansNoResync) {
  Examination ex = examine_paths({test::fixture_image("g-assume-clean", "vda")}, LayoutChoice::Auto);
  EXPECT_EQ(ex.arrays[0].plan.action, LoadAction::FirstUseInit);
  EXPECT_EQ(ex.arrays[0].plan.sync_chunks, 0u);
  EXPECT_EQ(ex.exit_status, kExamineAttention);  // the placeholder is a warning
}

TEST(RealKernelAssembly, CleanlyStoppedArrayNeedsNothing) {
  Examination ex = examine_paths({test::fixture_image("a2-write-then-stop", "vda"),
                                  test::fixture_image("a2-write-then-stop", "vdb")},
                                 LayoutChoice::Auto);
  EXPECT_EQ(ex.arrays[0].plan.sync_chunks, 0u);
  EXPECT_EQ(ex.exit_status, kExamineClean);
}

}  // namespace
}  // namespace llb
