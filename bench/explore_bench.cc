// Benchmark: crash states checked per second on one core by the crash explorer, for a 2-member
// RAID1 of 128 MiB members (2032 chunks) under seeded random workloads (writes of 4-256 KiB, many
// in flight, discards, failures and re-adds, knob changes), exhaustive up to 4096 combinations
// of fates per crash point and sampled (64) beyond. The time includes running the simulator itself.
// For scale it prints what the same number of crash scenarios would take in the real-kernel
// harness (about 3 s each under qemu).

#include <cstdio>

#include "bench/bench_util.h"
#include "sim/explore/explore.h"
#include "sim/workload/random_workload.h"

namespace {

using namespace llb;
using namespace llb::sim;

void BM_Explore(benchmark::State& state) {
  const auto kernel = state.range(0) ? KernelModel::Rfc : KernelModel::Upstream;
  std::uint64_t states = 0;
  std::uint64_t seed = 1;
  for (auto _ : state) {
    WorkloadOptions w;
    w.member_size_bytes = 128ull << 20;
    Trace t = random_workload(seed, w);
    ExploreOptions o;
    o.seed = seed++;
    o.kernel = kernel;
    o.samples = 64;               // the CLI defaults
    o.max_combinations = 4096;
    ExploreResult r = explore(t, o);
    states += r.stats.states;
  }
  state.counters["states_per_second"] =
      benchmark::Counter(static_cast<double>(states), benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  const char* names[] = {"explore random 2x128MiB upstream", "explore random 2x128MiB rfc"};
  benchmark::RegisterBenchmark(names[0], BM_Explore)->Arg(0)->Unit(benchmark::kMillisecond)->Iterations(16);
  benchmark::RegisterBenchmark(names[1], BM_Explore)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(16);
  benchmark::Initialize(&argc, argv);
  llb::bench::RecordingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  for (const char* name : names) {
    const double rate = reporter.counter(name, "states_per_second");
    if (rate > 0) {
      std::printf("RESULT %s: %.2f million crash states checked per second (goal 1); the real-kernel "
                  "harness needs ~3 s per crash scenario, so one second here stands for %.1f days of it\n",
                  name, rate / 1e6, rate * 3.0 / 86400.0);
    }
  }
  return 0;
}
