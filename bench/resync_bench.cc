// Benchmark: llbitmap-resync's copy throughput against a plain `dd` of the same bytes with the
// same block size (conv=fsync, as our resync makes its copies durable), in the same run; and the
// time of a bitmap resync with 1% of chunks flagged against a full resync of the same members.
// Members: two 512 MiB image files whose data area is filled, so every copy moves real bytes.

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "bench/bench_util.h"
#include "libformat/codec/create.h"
#include "libformat/io/member_writer.h"
#include "libformat/ops/resync.h"

namespace {

using namespace llb;

constexpr std::uint64_t kMemberBytes = 512ull << 20;
constexpr std::uint32_t kIo = 1u << 20;

std::string g_dir;
std::string g_dd = "/bin/dd";

std::string member(int i) { return g_dir + "/m" + std::to_string(i) + ".img"; }

// Fresh members: metadata with `flag_every`-th chunk NeedSync (1: all), data area filled.
void make_members(std::uint64_t flag_every) {
  ArraySpec spec;
  spec.member_size_bytes = kMemberBytes;
  for (int i = 0; i < 16; ++i) spec.array_uuid[i] = static_cast<std::uint8_t>(i * 7 + 1);
  const Geometry g = spec_geometry(spec);
  std::vector<std::uint8_t> states(g.chunks, static_cast<std::uint8_t>(State::Clean));
  for (std::uint64_t c = 0; c < g.chunks; c += flag_every) {
    states[c] = static_cast<std::uint8_t>(State::NeedSync);
  }
  for (int i = 0; i < 2; ++i) {
    if (!std::filesystem::exists(member(i))) {
      int fd = ::open(member(i).c_str(), O_WRONLY | O_CREAT, 0644);
      std::vector<std::uint8_t> buf(kIo);
      for (std::size_t k = 0; k < buf.size(); ++k) buf[k] = static_cast<std::uint8_t>(k * 31 + i);
      for (std::uint64_t off = 0; off < kMemberBytes; off += kIo) {
        if (::pwrite(fd, buf.data(), kIo, static_cast<off_t>(off)) != kIo) std::abort();
      }
      ::fsync(fd);
      ::close(fd);
    }
    auto dev = open_device(member(i), Access::ReadWriteExclusive);
    MemberSpec ms;
    ms.dev_number = static_cast<std::uint32_t>(i);
    ms.role = static_cast<std::uint16_t>(i);
    ms.device_uuid[0] = static_cast<std::uint8_t>(i + 1);
    if (!dev.ok() ||
        !write_member_metadata(**dev, spec, ms, BitmapInit::Initialised, 5, states).ok() ||
        !(*dev)->flush().ok()) {
      std::fprintf(stderr, "cannot write members in %s\n", g_dir.c_str());
      std::abort();
    }
  }
}

std::uint64_t resync_once(bool full) {
  auto set = MemberSet::open({member(0), member(1)}, Access::ReadWriteExclusive, LayoutChoice::Auto);
  if (!set.ok()) std::abort();
  ResyncOptions o;
  o.full = full;
  o.io_bytes = kIo;
  auto plan = plan_resync(*set, o);
  if (!plan.ok() || !run_resync(*set, *plan, o).ok()) std::abort();
  return plan->bytes;
}

void BM_ResyncAll(benchmark::State& state) {
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    make_members(1);
    state.ResumeTiming();
    bytes += resync_once(false);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_Dd(benchmark::State& state) {
  // The same data area, the same block size, made durable at the end.
  const std::uint64_t data = 2048 * 512;
  const std::string cmd = g_dd + " if=" + member(0) + " of=" + member(1) + " bs=" +
                          std::to_string(kIo) + " skip=" + std::to_string(data) +
                          " seek=" + std::to_string(data) + " count=" +
                          std::to_string(kMemberBytes - data) +
                          " iflag=skip_bytes,count_bytes oflag=seek_bytes conv=notrunc,fsync"
                          " status=none";
  for (auto _ : state) {
    if (bench::run_quiet(bench::split_command(cmd)) != 0) state.SkipWithError("dd failed");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (kMemberBytes - data)));
}

void BM_ResyncOnePercent(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    make_members(100);
    state.ResumeTiming();
    resync_once(false);
  }
}

void BM_ResyncFull(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    make_members(100);
    state.ResumeTiming();
    resync_once(true);
  }
}

}  // namespace

int main(int argc, char** argv) {
  char tmpl[] = "/var/tmp/llb-resync-bench.XXXXXX";
  if (!::mkdtemp(tmpl)) return 1;
  g_dir = tmpl;
  const char* names[] = {"dd copy 511 MiB", "resync all chunks 511 MiB", "resync 1% flagged",
                         "full resync"};
  benchmark::RegisterBenchmark(names[0], BM_Dd)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
  benchmark::RegisterBenchmark(names[1], BM_ResyncAll)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
  benchmark::RegisterBenchmark(names[2], BM_ResyncOnePercent)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
  benchmark::RegisterBenchmark(names[3], BM_ResyncFull)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
  benchmark::Initialize(&argc, argv);
  make_members(1);
  llb::bench::RecordingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double mib = static_cast<double>(kMemberBytes - 2048 * 512) / (1 << 20);
  if (reporter.has(names[0]) && reporter.has(names[1])) {
    const double dd = mib / (reporter.ns(names[0]) / 1e9), rs = mib / (reporter.ns(names[1]) / 1e9);
    std::printf("RESULT resync throughput: %.0f MiB/s; dd (bs=1M, conv=fsync) %.0f MiB/s; ratio "
                "%.2f of dd (goal >= 0.9)\n", rs, dd, rs / dd);
  }
  if (reporter.has(names[2]) && reporter.has(names[3])) {
    std::printf("RESULT 1%% of chunks flagged: %s against a full resync's %s (%.1f%% of the time)\n",
                llb::bench::pretty_ns(reporter.ns(names[2])).c_str(),
                llb::bench::pretty_ns(reporter.ns(names[3])).c_str(),
                100.0 * reporter.ns(names[2]) / reporter.ns(names[3]));
  }
  std::filesystem::remove_all(g_dir);
  return 0;
}
