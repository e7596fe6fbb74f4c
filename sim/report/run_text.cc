#include "sim/report/run_text.h"

#include <cstdio>

#include "libformat/report/report.h"

namespace llb::sim {
namespace {

std::string runs_text(const std::vector<std::uint8_t>& states, KernelVersion v) {
  std::string s;
  for (const StateRun& r : state_runs(states)) {
    if (!s.empty()) s += " ";
    s += format_range(r.first, r.last) + ":" + state_byte_label(r.value, v);
  }
  return s;
}

// printf into a string: the run's text keeps the tool's historical layout.
template <typename... Args>
std::string fmt(const char* format, Args... args) {
  const int n = std::snprintf(nullptr, 0, format, args...);
  std::string out(static_cast<std::size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), format, args...);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string snapshot_text(const Snapshot& s, KernelVersion v) {
  std::string out = fmt("-- %s at %.6f s (on disk)\n", s.label.c_str(),
                        static_cast<double>(s.at) / kTicksPerSecond);
  for (const MemberState& m : s.members) {
    out += fmt("  %s%s: md events %llu (%s), bitmap events %llu state 0x%x chunksize %u "
               "daemon_sleep %u\n    %s\n",
               m.name.c_str(), m.faulty ? " (faulty)" : (m.in_array ? "" : " (not in array)"),
               static_cast<unsigned long long>(m.md_events), m.md_clean ? "clean" : "active",
               static_cast<unsigned long long>(m.bitmap_events), m.bitmap_state, m.chunksize,
               m.daemon_sleep, runs_text(m.states, v).c_str());
  }
  if (!s.memory_counts.empty()) {
    out += "  in memory (sysfs bits):";
    for (int st = 0; st < state_count(v); ++st) {
      out += fmt(" %s %llu", std::string(state_sysfs_label(static_cast<State>(st))).c_str(),
                 static_cast<unsigned long long>(s.memory_counts[st]));
    }
    out += "\n";
  }
  return out;
}

}  // namespace

std::string run_text(const Trace& trace, const RunOptions& opts, const RunResult& r,
                     const std::vector<TimelineEntry>& timeline, const std::string& repro) {
  const KernelVersion format = kernel_policy(opts.kernel).format->version;
  std::string out = fmt("llbitmap-sim: trace %s, seed %llu, kernel %s, %u members of %llu bytes\n",
                        trace.name.c_str(), static_cast<unsigned long long>(opts.seed),
                        std::string(kernel_model_name(opts.kernel)).c_str(), trace.array.members,
                        static_cast<unsigned long long>(trace.array.disk.size_bytes));
  if (opts.timeline) out += format_timeline(timeline);
  for (const auto& d : r.dumps) out += snapshot_text(d, format);
  out += snapshot_text(r.final_state, format);
  for (const auto& p : r.exported) out += fmt("exported %s\n", p.c_str());
  out += fmt("events processed %llu, simulated time %.6f s, event-log hash %s\n",
             static_cast<unsigned long long>(r.events), static_cast<double>(r.end) / kTicksPerSecond,
             hex(r.event_hash, 16).c_str());
  if (!r.ok) out += fmt("FAILED: %s\n", r.error.c_str());
  out += fmt("reproduce: %s\n", repro.c_str());
  return out;
}

std::string explore_header_text(const ExploreRequest& req) {
  const ExploreOptions& o = req.options;
  return str_cat("llbitmap-sim explore: ", req.trace.name.empty() ? req.what : req.trace.name,
                 ", seed ", o.seed, ", kernel ", kernel_model_name(o.kernel), ", ",
                 o.exhaustive ? "exhaustive" : "random", ", max-combinations ", o.max_combinations,
                 o.torn ? ", torn writes" : "", o.cache_loss ? ", cache loss" : "",
                 o.planted_fault ? ", PLANTED FAULT" : "", "\n");
}

std::string explore_session_text(const ExploreRequest& req, const ExploreSession& s) {
  std::string out = format_stats(s.result.stats);
  if (!s.violated()) return out + "no violation\n";
  if (s.shrunk) {
    out += str_cat("shrunk to ", s.shrunk->ops.size(), " operations on ", s.shrunk->array.members,
                   " members of ", s.shrunk->array.disk.size_bytes, " bytes:\n",
                   trace_to_json(*s.shrunk), "\n");
    if (!s.shrunk_result.violations.empty()) {
      const Tick at = s.shrunk_result.violations.front().at;
      out += "timeline to the crash point:\n" + format_timeline(s.shrunk_timeline) +
             str_cat("  -- power loss at ", static_cast<double>(at) / kTicksPerSecond, " s\n");
    }
  }
  for (const auto& v : s.shown().violations) out += format_violation(v, req.options.kernel);
  if (!s.exported.empty()) out += "exported the crash state's members: " + s.exported + "\n";
  out += "reproduce: " + s.reproduce + "\n";
  return out;
}

}  // namespace llb::sim
