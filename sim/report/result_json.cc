#include "sim/report/result_json.h"
#include "sim/report/result_dom.h"

#include "libformat/report/json_dom.h"
#include "libformat/report/report.h"

namespace llb::sim {
namespace {

// One on-disk moment: each member's md and bitmap fields and its runs of states.
Json snapshot_json(const Snapshot& s, KernelVersion v) {
  Json members = Json::array();
  for (const MemberState& m : s.members) {
    members.push_back({{"name", m.name},
                       {"in_array", m.in_array},
                       {"faulty", m.faulty},
                       {"md_events", m.md_events},
                       {"md_clean", m.md_clean},
                       {"bitmap_events", m.bitmap_events},
                       {"bitmap_state", m.bitmap_state},
                       {"chunksize", m.chunksize},
                       {"daemon_sleep", m.daemon_sleep},
                       {"sync_size", m.sync_size},
                       {"runs", runs_to_json(state_runs(m.states), v)}});
  }
  Json j = {{"label", s.label}, {"at_us", s.at}, {"members", members}};
  if (!s.memory_counts.empty()) {
    Json c;
    for (int st = 0; st < state_count(v); ++st) {
      c[std::string(state_key(static_cast<State>(st)))] = s.memory_counts[st];
    }
    j["memory_counts"] = c;
  }
  return j;
}

Json explore_stats_json(const ExploreStats& s) {
  return {{"crash_points", s.crash_points},     {"states", s.states},
          {"distinct", s.distinct},             {"max_depth", s.max_depth},
          {"max_pending", s.max_pending},       {"sampled_points", s.sampled_points},
          {"safety_violations", s.safety_violations},
          {"resync_violations", s.resync_violations},
          {"durability_violations", s.durability_violations},
          {"refused_states", s.refused_states},
          {"state_bytes_destroyed", s.state_bytes_destroyed},
          {"bblog_overwritten", s.bblog_overwritten}, {"members_refused", s.members_refused},
          {"unnecessary_chunks", s.unnecessary_chunks},
          {"unnecessary_bytes", s.unnecessary_bytes}, {"seconds", s.seconds},
          {"states_per_second", s.seconds > 0 ? static_cast<double>(s.states) / s.seconds : 0.0},
          {"budget_exhausted", s.budget_exhausted}};
}

Json violation_json(const Violation& v) {
  Json fates = Json::array();
  for (const WriteFate& f : v.fates) {
    fates.push_back({{"member", f.member}, {"write", f.write_id}, {"tag", f.tag},
                     {"sector", f.sector}, {"sectors", f.sectors}, {"inflight", f.inflight},
                     {"fate", f.fate}});
  }
  return {{"invariant", v.invariant}, {"event_index", v.event_index}, {"at_us", v.at},
          {"chunk", v.chunk}, {"source", v.source}, {"on_disk_states", v.on_disk_states},
          {"model_state", v.model_state}, {"detail", v.detail}, {"writes", fates}};
}

}  // namespace

Json explore_document(const ExploreOptions& o, const ExploreResult& r) {
  Json j = {{"schema", "llbitmap-sim-explore"}, {"schema_version", 1},
            {"kernel", kernel_model_name(o.kernel)}, {"seed", o.seed},
            {"stats", explore_stats_json(r.stats)}};
  Json vs = Json::array();
  for (const auto& v : r.violations) vs.push_back(violation_json(v));
  j["violations"] = vs;
  if (!r.run_error.empty()) j["run_error"] = r.run_error;
  return j;
}

std::string run_json(const Trace& trace, const RunOptions& opts, const RunResult& r,
                     const std::vector<TimelineEntry>& timeline, const std::string& repro,
                     int indent) {
  return json_text(run_document(trace, opts, r, timeline, repro), indent);
}

Json run_document(const Trace& trace, const RunOptions& opts, const RunResult& r,
                  const std::vector<TimelineEntry>& timeline, const std::string& repro) {
  const KernelVersion format = kernel_policy(opts.kernel).format->version;
  Json dumps = Json::array();
  for (const auto& d : r.dumps) dumps.push_back(snapshot_json(d, format));
  Json events = Json::array();
  for (const auto& e : timeline) events.push_back({{"at_us", e.at}, {"what", e.what}});
  Json j = {{"schema", "llbitmap-sim-run"},
                  {"schema_version", 1},
                  {"trace", trace.name},
                  {"seed", opts.seed},
                  {"kernel", kernel_model_name(opts.kernel)},
                  {"ok", r.ok},
                  {"error", r.error},
                  {"end_us", r.end},
                  {"events", r.events},
                  {"event_log_hash", hex(r.event_hash, 16)},
                  {"timeline", events},
                  {"dumps", dumps},
                  {"final", snapshot_json(r.final_state, format)},
                  {"exported", r.exported},
                  {"reproduce", repro}};
  return j;
}

std::string explore_result_json(const ExploreOptions& o, const ExploreResult& r, int indent) {
  return json_text(explore_document(o, r), indent);
}

std::string explore_session_json(const ExploreRequest& req, const ExploreSession& s,
                                 int indent) {
  Json j = explore_document(req.options, s.result);
  if (s.shrunk) {
    const ExploreResult& shown = s.shrunk_result;
    j["shrunk"] = {{"ops", s.shrunk->ops.size()},
                   {"members", s.shrunk->array.members},
                   {"trace", Json::parse(trace_to_json(*s.shrunk))},
                   {"violation", shown.violations.empty() ? Json()
                                                          : violation_json(shown.violations.front())}};
  }
  if (!s.exported.empty()) j["exported"] = s.exported;
  j["reproduce"] = s.reproduce;
  return json_text(j, indent);
}

}  // namespace llb::sim
