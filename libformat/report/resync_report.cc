#include "libformat/report/resync_report.h"

#include <cstdio>
#include <sstream>

#include "libformat/report/json_writer.h"
#include "libformat/report/report.h"

namespace llb {
namespace {

// "0-511, 640, 2031", or "none".
std::string runs_text(const std::vector<std::uint64_t>& chunks, std::size_t max_runs) {
  const std::string s = runs_summary(index_runs(chunks), max_runs);
  return s.empty() ? "none" : s;
}

JsonWriter& schema(JsonWriter& w) {
  return w.field("schema", "llbitmap-resync").field("schema_version", kResyncJsonSchemaVersion);
}

}  // namespace

std::string_view resync_mode_name(ResyncMode m) {
  switch (m) {
    case ResyncMode::Bitmap: return "bitmap";
    case ResyncMode::FullWithBitmap: return "full";
    case ResyncMode::FullNoBitmap: return "full-no-bitmap";
  }
  return "?";
}

std::string resync_plan_text(const MemberSet& set, const ResyncPlan& p) {
  std::ostringstream o;
  o << "source: " << set.at(p.source).path << "\n";
  for (std::size_t t : p.targets) o << "target: " << set.at(t).path << "\n";
  o << "mode: " << resync_mode_name(p.mode) << "\n";
  for (const auto& n : p.notes) o << "note: " << n << "\n";
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.2f",
                p.full_bytes ? 100.0 * static_cast<double>(p.bytes) / static_cast<double>(p.full_bytes)
                             : 0.0);
  o << "plan: " << p.chunks.size() << " of " << p.chunk_count_total << " chunks ("
    << runs_text(p.chunks, 20) << ")\n"
    << "bytes: " << p.bytes << " to each of " << p.targets.size() << " target(s); a full "
    << "resync copies " << p.full_bytes << " (" << pct << "%)\n";
  return o.str();
}

std::string resync_plan_json(const MemberSet& set, const ResyncPlan& p) {
  JsonWriter w;
  w.begin_object();
  schema(w).key("plan").begin_object();
  w.field("mode", resync_mode_name(p.mode)).field("source", set.at(p.source).path);
  w.key("targets").begin_array();
  for (std::size_t t : p.targets) w.value(set.at(t).path);
  w.end_array()
      .field("unit_sectors", p.unit_sectors)
      .field("chunks", p.chunks.size())
      .field("chunks_total", p.chunk_count_total)
      .field("bytes", p.bytes)
      .field("full_bytes", p.full_bytes)
      .field("runs", runs_text(p.chunks, 1000))
      .key("notes")
      .begin_array();
  for (const auto& n : p.notes) w.value(n);
  w.end_array().end_object().end_object();
  return w.take();
}

std::string verify_text(const MemberSet& set, const VerifyReport& r) {
  std::ostringstream o;
  o << "check: compared " << r.units_compared << " chunks of " << r.unit_sectors << " sectors on "
    << set.size() << " mirrors\n"
    << "mismatch_cnt: " << r.mismatch_sectors << " sectors in " << r.mismatched_units
    << " chunks\n";
  std::size_t shown = 0;
  for (const StateRun& run : r.runs) {
    if (shown++ == 50) {
      o << "  ...\n";
      break;
    }
    o << "  differ: chunks " << format_range(run.first, run.last) << "\n";
  }
  return o.str();
}

std::string verify_json(const VerifyReport& r) {
  JsonWriter w;
  w.begin_object();
  schema(w)
      .key("verify")
      .begin_object()
      .field("units_compared", r.units_compared)
      .field("unit_sectors", r.unit_sectors)
      .field("mismatched_chunks", r.mismatched_units)
      .field("mismatch_sectors", r.mismatch_sectors)
      .key("runs")
      .begin_array();
  for (const StateRun& run : r.runs) w.begin_array().value(run.first).value(run.last).end_array();
  w.end_array().end_object().end_object();
  return w.take();
}

std::string resync_result_text(const ResyncPlan& p, double seconds) {
  std::ostringstream o;
  o << "done: " << p.chunks.size() << " chunks, " << p.bytes << " bytes to each target in "
    << seconds << " s\n";
  return o.str();
}

std::string resync_result_json(const ResyncPlan& p, double seconds) {
  JsonWriter w;
  w.begin_object();
  schema(w)
      .key("result")
      .begin_object()
      .field("ok", true)
      .field("bytes", p.bytes)
      .field("seconds", seconds)
      .end_object()
      .end_object();
  return w.take();
}

}  // namespace llb
