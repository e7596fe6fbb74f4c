// What the explorer tells its user: the statistics, one violation in words, and a violation's
// crash state as member images the tools can read.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include "sim/explore/explore.h"
#include "sim/workload/export.h"
#include "sim/workload/runner.h"

namespace llb::sim {

Status export_violation(const Trace& trace, const ExploreOptions& options, const Violation& v,
                        const std::string& dir) {
  // Re-run to the crash point, copy the disks there, apply the violation's fates, export.
  auto [t, ro] = explore_run(trace, options, false);
  TraceRunner runner(t, ro);
  MdArray& a = runner.array();
  std::uint64_t events = 0;
  std::vector<SimDisk> copies;
  a.set_event_observer([&](const Event&) {
    if (++events == v.event_index && copies.empty()) {
      for (std::uint32_t m = 0; m < a.member_count(); ++m) copies.push_back(a.disk(m));
    }
  });
  runner.run();
  a.set_event_observer(nullptr);
  if (copies.empty()) {
    return Status(Code::NotFound, str_cat("the run has no event ", v.event_index,
                                          " (did the trace or options change?)"));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(Code::IoError, str_cat(dir, ": cannot create: ", ec.message()));
  for (std::uint32_t m = 0; m < copies.size(); ++m) {
    CrashPolicy policy;
    auto fate_of = [&, m](const DiskWrite& w) -> std::string {
      for (const WriteFate& f : v.fates) {
        if (f.member == m && f.write_id == w.id) return f.fate;
      }
      return "lost";
    };
    policy.inflight = [fate_of](const DiskWrite& w) {
      const std::string f = fate_of(w);
      return f == "landed" ? InflightFate::Landed
             : f.rfind("torn", 0) == 0 ? InflightFate::Torn
                                       : InflightFate::Lost;
    };
    policy.cached = [fate_of](const DiskWrite& w) {
      return fate_of(w) == "kept" ? CachedFate::Kept : CachedFate::Lost;
    };
    const std::uint32_t per = std::max<std::uint32_t>(1, copies[m].config().logical_block_size / 512);
    policy.torn_sector_lands = [fate_of, per](const DiskWrite& w, std::uint32_t block) {
      // "torn T/N": the first T sectors landed.
      const std::string f = fate_of(w);
      const std::uint32_t landed = static_cast<std::uint32_t>(std::stoul(f.substr(5, f.find('/') - 5)));
      return block * per < landed;
    };
    copies[m].set_durable_log(nullptr);
    copies[m].crash(policy);
    LLB_RETURN_IF_ERROR(export_disk(copies[m], dir + "/" + copies[m].name() + ".img", DiskView::Durable));
  }
  return Status();
}

std::string format_stats(const ExploreStats& s) {
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "crash points %llu, states generated %llu, distinct %llu, max depth %llu events, "
                "max non-durable writes %llu (%llu points sampled)\n"
                "violations: safety %llu, resync %llu, durability %llu; refused assemblies %llu\n"
                "bad-block log: state bytes destroyed %llu, log overwritten %llu, members refused %llu\n"
                "efficiency: %llu chunks (%llu bytes) resynced without need, summed over states\n"
                "%.3f s, %.0f states/s%s\n",
                static_cast<unsigned long long>(s.crash_points),
                static_cast<unsigned long long>(s.states),
                static_cast<unsigned long long>(s.distinct),
                static_cast<unsigned long long>(s.max_depth),
                static_cast<unsigned long long>(s.max_pending),
                static_cast<unsigned long long>(s.sampled_points),
                static_cast<unsigned long long>(s.safety_violations),
                static_cast<unsigned long long>(s.resync_violations),
                static_cast<unsigned long long>(s.durability_violations),
                static_cast<unsigned long long>(s.refused_states),
                static_cast<unsigned long long>(s.state_bytes_destroyed),
                static_cast<unsigned long long>(s.bblog_overwritten),
                static_cast<unsigned long long>(s.members_refused),
                static_cast<unsigned long long>(s.unnecessary_chunks),
                static_cast<unsigned long long>(s.unnecessary_bytes), s.seconds,
                s.seconds > 0 ? static_cast<double>(s.states) / s.seconds : 0.0,
                s.budget_exhausted ? " (budget exhausted)" : "");
  return buf;
}

std::string format_violation(const Violation& v, KernelModel kernel) {
  std::string out = str_cat("VIOLATION (", v.invariant, ") at event ", v.event_index, ", t=",
                            static_cast<double>(v.at) / kTicksPerSecond, " s: ", v.detail, "\n");
  // A meeting of the bad-block log and the state bytes happens without a crash: no fates.
  if (v.invariant != "safety" && v.invariant != "durability") return out;
  auto name = [&](std::uint8_t b) -> std::string {
    if (b >= kernel_policy(kernel).format->state_count) return hex(b, 2);
    return std::string(state_name(static_cast<State>(b)));
  };
  out += str_cat("  chunk ", v.chunk, ": model (in memory) ", name(v.model_state), "; on disk after the crash:");
  for (std::size_t k = 0; k < v.on_disk_states.size(); ++k) {
    out += str_cat(" member ", k, " ", name(v.on_disk_states[k]));
  }
  out += "\n  writes not durable at the crash:\n";
  for (const WriteFate& f : v.fates) {
    out += str_cat("    vd", static_cast<char>('a' + f.member), " #", f.write_id, " ", f.tag,
                   " sectors ", f.sector, "+", f.sectors, f.inflight ? " (in flight)" : " (cached)",
                   ": ", f.fate, "\n");
  }
  return out;
}

}  // namespace llb::sim
