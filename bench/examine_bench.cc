// Benchmark: llbitmap-examine on a 9 GiB sparse member against `mdadm -E` on the same image, in
// the same run. Both are timed as whole processes, the way a user runs them; the in-process
// library time is printed too. The run ends with the ratio.
//
// Environment: LLB_EXAMINE (path of llbitmap-examine), LLB_MDADM (mdadm command line, see
// bench/mdadm_baseline.sh), LLB_BENCH_DIR (where to put the sparse image, default /tmp).

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "bench/bench_util.h"
#include "libformat/codec/create.h"
#include "libformat/io/member_writer.h"
#include "libformat/ops/examine.h"
#include "libformat/report/report.h"

namespace {

std::string g_image;
std::vector<std::string> g_examine_cmd, g_mdadm_cmd;

// A 9 GiB member with an initialised upstream llbitmap: 73728 chunks of 128 KiB, some written.
std::string make_member(const std::string& dir) {
  std::string path = dir + "/llb-bench-9g-member.img";
  llb::ArraySpec spec;
  for (int i = 0; i < 16; ++i) spec.array_uuid[i] = static_cast<std::uint8_t>(0x10 + i);
  spec.member_size_bytes = (9ull << 30) + (2048ull * 512);
  spec.ctime_seconds = 1795000000;
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_RDWR, 0644);
  if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(spec.member_size_bytes)) != 0) {
    std::perror(path.c_str());
    std::exit(2);
  }
  ::close(fd);
  auto dev = llb::open_device(path, llb::Access::ReadWriteExclusive);
  if (!dev.ok()) {
    std::fprintf(stderr, "%s\n", dev.status().to_string().c_str());
    std::exit(2);
  }
  llb::Geometry g = llb::spec_geometry(spec);
  std::vector<std::uint8_t> states(g.chunks, 0);
  for (std::uint64_t c = 0; c < g.chunks; c += 97) states[c] = c % 3 == 0 ? 2 : 1;
  llb::MemberSpec m;
  m.device_uuid = spec.array_uuid;
  llb::Status st = llb::write_member_metadata(**dev, spec, m, llb::BitmapInit::Initialised, 7, states);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.to_string().c_str());
    std::exit(2);
  }
  return path;
}

void BM_LlbitmapExamineProcess(benchmark::State& state) {
  std::vector<std::string> argv = g_examine_cmd;
  argv.push_back(g_image);
  for (auto _ : state) {
    int rc = llb::bench::run_quiet(argv);
    if (rc < 0 || rc > 1) state.SkipWithError("llbitmap-examine failed");
  }
}

void BM_MdadmExamineProcess(benchmark::State& state) {
  std::vector<std::string> argv = g_mdadm_cmd;
  argv.push_back("-E");
  argv.push_back(g_image);
  for (auto _ : state) {
    if (llb::bench::run_quiet(argv) != 0) state.SkipWithError("mdadm -E failed");
  }
}

void BM_ExamineLibraryInProcess(benchmark::State& state) {
  for (auto _ : state) {
    llb::Examination ex = llb::examine_paths({g_image}, llb::LayoutChoice::Auto);
    benchmark::DoNotOptimize(llb::render_text(ex, {}));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* dir = std::getenv("LLB_BENCH_DIR");
  const char* examine = std::getenv("LLB_EXAMINE");
  const char* mdadm = std::getenv("LLB_MDADM");
  if (!examine || !mdadm) {
    std::fprintf(stderr, "set LLB_EXAMINE and LLB_MDADM (bench/run.sh does)\n");
    return 2;
  }
  g_examine_cmd = llb::bench::split_command(examine);
  g_mdadm_cmd = llb::bench::split_command(mdadm);
  g_image = make_member(dir ? dir : "/tmp");
  std::printf("9 GiB sparse member: %s (%llu bytes allocated on disk)\n", g_image.c_str(),
              static_cast<unsigned long long>(std::filesystem::file_size(g_image)));
  benchmark::RegisterBenchmark("llbitmap-examine (process)", BM_LlbitmapExamineProcess)
      ->Unit(benchmark::kMillisecond)->MinTime(2.0);
  benchmark::RegisterBenchmark("mdadm -E (process)", BM_MdadmExamineProcess)
      ->Unit(benchmark::kMillisecond)->MinTime(2.0);
  benchmark::RegisterBenchmark("examine library (in process)", BM_ExamineLibraryInProcess)
      ->Unit(benchmark::kMillisecond)->MinTime(1.0);
  benchmark::Initialize(&argc, argv);
  llb::bench::RecordingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  double ours = reporter.ns("llbitmap-examine (process)");
  double theirs = reporter.ns("mdadm -E (process)");
  if (ours > 0 && theirs > 0) {
    std::printf("\nRESULT examine-9GiB: llbitmap-examine %s, mdadm -E %s, ratio %.2f "
                "(llbitmap-examine time / mdadm -E time)\n",
                llb::bench::pretty_ns(ours).c_str(), llb::bench::pretty_ns(theirs).c_str(),
                ours / theirs);
  }
  std::filesystem::remove(g_image);
  return 0;
}
