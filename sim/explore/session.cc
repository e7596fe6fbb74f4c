#include "sim/explore/session.h"

#include <fstream>

#include "sim/workload/runner.h"

namespace llb::sim {
namespace {

// The timeline of `t` up to the crash point at `at`, the run replayed with its timeline on.
std::vector<TimelineEntry> timeline_to(const Trace& t, const ExploreOptions& o, Tick at) {
  auto [run, ro] = explore_run(t, o, true);
  TraceRunner runner(run, ro);
  runner.run();
  std::vector<TimelineEntry> upto;
  for (const auto& e : runner.array().timeline()) {
    if (e.at <= at) upto.push_back(e);
  }
  return upto;
}

}  // namespace

ExploreSession run_exploration(const ExploreRequest& req) {
  ExploreSession s;
  const ExploreOptions& o = req.options;
  s.result = explore(req.trace, o);
  if (!s.result.run_error.empty()) return s;
  if (s.violated() && req.shrink) {
    s.shrunk = shrink(req.trace, o);
    ExploreOptions q = o;
    q.stop_at_first = true;
    s.shrunk_result = explore(*s.shrunk, q);
    if (!s.shrunk_result.violations.empty()) {
      s.shrunk_timeline = timeline_to(*s.shrunk, o, s.shrunk_result.violations.front().at);
    }
  }
  const Trace& explored = s.shrunk ? *s.shrunk : req.trace;
  if (!req.save_trace_path.empty()) std::ofstream(req.save_trace_path) << trace_to_json(explored);
  if (s.violated() && !req.export_dir.empty() && !s.shown().violations.empty()) {
    Status st = export_violation(explored, o, s.shown().violations.front(), req.export_dir);
    s.exported = st.ok() ? req.export_dir : "failed: " + st.message();
  }
  s.reproduce = str_cat("llbitmap-sim explore ",
                        req.save_trace_path.empty() ? req.what : req.save_trace_path, " --seed ",
                        o.seed, " --kernel ", kernel_model_name(o.kernel),
                        o.torn ? "" : " --no-torn", o.cache_loss ? "" : " --no-cache-loss",
                        o.live_pages ? " --live-pages" : "",
                        o.planted_fault ? " --plant-fault" : "", " --stop-at-first");
  return s;
}

}  // namespace llb::sim
