// What the unplug fix (tests/realkernel/patches/0001) costs, in the simulator: random writes on
// Linux 7.2 as it ships ("upstream", the baseline) and with the patches ("upstream-patched"):
// bitmap writes per user write and the user writes' latency (submission to completion, simulated
// time, so the figures do not depend on this machine's noise). 2 x 8 GiB members (131072 chunks)
// and daemon_sleep 1 s, so that writes keep finding chunks to dirty and the daemon keeps cleaning
// them: the bitmap is on the write path, which is where the patch can cost. Four writers in
// flight (sim_bench's depth), and one writer, where the patch should cost nothing.

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/sim_driver.h"

namespace {

using namespace llb;
using namespace llb::sim;

struct Cost {
  std::uint64_t writes = 0;
  std::uint64_t bitmap_writes = 0;
  double mean_us = 0;
  double p99_us = 0;
};

Cost run_workload(std::uint64_t writes, std::uint32_t depth, std::uint64_t max_len_4k,
                  KernelModel v) {
  ArrayConfig cfg;
  cfg.kernel = v;
  cfg.members = 2;
  cfg.disk.size_bytes = 8ull << 30;
  cfg.disk.data_offset_sectors = 18432;  // what mdadm picks for 8 GiB members
  cfg.daemon_sleep_s = 1;
  MdArray a(cfg, 42);
  bench::create_and_settle(a);
  Prng p(7);
  const std::uint64_t sectors = a.array_sectors();
  const std::uint64_t bitmap_before = a.bitmap_writes_submitted();
  std::map<JobId, Tick> issued_at;
  std::vector<Tick> latency;
  latency.reserve(writes);
  std::uint64_t issued = 0;
  while (issued < writes || !issued_at.empty()) {
    while (issued < writes && issued_at.size() < depth) {
      const bench::RandomWrite w = bench::random_write(p, sectors, max_len_4k);
      issued_at[a.write(w.sector, w.sectors, issued + 1, false)] = a.now();
      ++issued;
    }
    a.step();
    for (JobId id : a.finished()) {
      auto it = issued_at.find(id);
      if (it != issued_at.end()) {
        latency.push_back(a.now() - it->second);
        issued_at.erase(it);
      }
      a.release(id);
    }
    a.finished().clear();
  }
  Cost cost;
  cost.writes = latency.size();
  cost.bitmap_writes = a.bitmap_writes_submitted() - bitmap_before;
  double sum = 0;
  for (Tick t : latency) sum += static_cast<double>(t);
  const double us_per_tick = 1e6 / static_cast<double>(kTicksPerSecond);
  cost.mean_us = sum / static_cast<double>(latency.size()) * us_per_tick;
  std::sort(latency.begin(), latency.end());
  cost.p99_us = static_cast<double>(latency[latency.size() * 99 / 100]) * us_per_tick;
  return cost;
}

struct Workload {
  std::string name;
  std::uint32_t depth;
  std::uint64_t max_len_4k;
};

const Workload kWorkloads[] = {
    {"4k random writes, 4 in flight", 4, 1},
    {"4-64k random writes, 4 in flight", 4, 16},
    {"4k random writes, 1 in flight", 1, 1},
};

std::map<std::string, Cost> g_costs;

void BM_UnplugCost(benchmark::State& state) {
  const Workload& w = kWorkloads[state.range(0)];
  const auto v = state.range(1) ? KernelModel::UpstreamPatched : KernelModel::Upstream;
  Cost cost;
  for (auto _ : state) cost = run_workload(100000, w.depth, w.max_len_4k, v);
  state.counters["bitmap_writes_per_write"] =
      static_cast<double>(cost.bitmap_writes) / static_cast<double>(cost.writes);
  state.counters["mean_latency_us"] = cost.mean_us;
  state.counters["p99_latency_us"] = cost.p99_us;
  g_costs[w.name + (state.range(1) ? "/patched" : "/stock")] = cost;
}

}  // namespace

int main(int argc, char** argv) {
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(std::size(kWorkloads)); ++i) {
    for (std::int64_t patched : {0, 1}) {
      benchmark::RegisterBenchmark((kWorkloads[i].name + (patched ? " patched" : " stock")).c_str(),
                                   BM_UnplugCost)
          ->Args({i, patched})
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  for (const Workload& w : kWorkloads) {
    auto s = g_costs.find(w.name + "/stock");
    auto p = g_costs.find(w.name + "/patched");
    if (s == g_costs.end() || p == g_costs.end()) continue;
    const double sb = static_cast<double>(s->second.bitmap_writes) / s->second.writes;
    const double pb = static_cast<double>(p->second.bitmap_writes) / p->second.writes;
    std::printf("RESULT unplug fix, %s (2x8GiB, daemon_sleep 1, %llu writes): bitmap writes per user write "
                "%.3f patched vs %.3f stock (ratio %.3f); mean write latency %.1f us vs %.1f us "
                "(ratio %.3f); p99 %.1f us vs %.1f us (ratio %.3f)\n",
                w.name.c_str(), static_cast<unsigned long long>(s->second.writes), pb, sb, pb / sb,
                p->second.mean_us, s->second.mean_us, p->second.mean_us / s->second.mean_us,
                p->second.p99_us, s->second.p99_us, p->second.p99_us / s->second.p99_us);
  }
  return 0;
}
