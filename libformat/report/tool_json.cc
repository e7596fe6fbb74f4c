#include "libformat/report/tool_json.h"

#include "libformat/codec/md_superblock.h"
#include "libformat/report/json_writer.h"

namespace llb {
namespace {

JsonWriter& schema(JsonWriter& w, std::string_view name) {
  return w.begin_object().field("schema", name).field("schema_version", kToolJsonSchemaVersion);
}

void write_strings(JsonWriter& w, std::string_view key, const std::vector<std::string>& items) {
  w.key(key).begin_array();
  for (const std::string& s : items) w.value(s);
  w.end_array();
}

// The string, or null when it is empty (no undo file, no fix).
void string_or_null(JsonWriter& w, std::string_view key, const std::string& s) {
  w.key(key);
  if (s.empty()) {
    w.null();
  } else {
    w.value(s);
  }
}

void write_problems(JsonWriter& w, const RepairPlan& plan) {
  w.key("problems").begin_array();
  for (const Problem& p : plan.problems) {
    w.begin_object()
        .field("severity", severity_name(p.severity))
        .field("code", p.code)
        .field("message", p.message);
    string_or_null(w, "fix", p.fix);
    w.end_object();
  }
  w.end_array();
  write_strings(w, "notes", plan.notes);
}

}  // namespace

std::string repair_json(const MemberSet& set, const RepairPlan& plan, const RepairRun& run) {
  JsonWriter w;
  schema(w, "llbitmap-repair").field("mode", run.mode);
  w.key("members").begin_array();
  for (std::size_t i = 0; i < set.size(); ++i) w.value(set.at(i).path);
  w.end_array();
  write_problems(w, plan);
  w.field("unfixable", plan.unfixable());
  w.key("changes").begin_array();
  for (const ByteChange& c : plan.changes) {
    w.begin_object()
        .field("member", set.at(c.member).path)
        .field("offset", c.offset_bytes)
        .field("length", c.new_bytes.size())
        .field("what", c.what)
        .end_object();
  }
  w.end_array().field("written", run.written);
  string_or_null(w, "undo_file", run.undo_file);
  w.key("after");
  if (run.after) {
    w.begin_object();
    write_problems(w, *run.after);
    w.end_object();
  } else {
    w.null();
  }
  w.field("exit_status", run.exit_status).end_object();
  return w.take();
}

std::string undo_json(const UndoRun& run) {
  JsonWriter w;
  schema(w, "llbitmap-undo").field("undo_file", run.undo_file).field("dry_run", run.dry_run);
  write_strings(w, "notes", run.notes);
  write_strings(w, "mismatches", run.mismatches);
  w.key("ranges").begin_array();
  for (const UndoRun::Range& r : run.ranges) {
    w.begin_object().field("device", r.device).field("first", r.first).field("last", r.last).end_object();
  }
  w.end_array().field("restored", run.restored).field("exit_status", run.exit_status).end_object();
  return w.take();
}

std::string create_json(const CreatePlan& plan, bool dry_run, bool written,
                        const std::string& undo_file, int exit_status) {
  const CreateRequest& req = plan.request;
  JsonWriter w;
  schema(w, "llbitmap-create")
      .field("mode", req.mode == CreateMode::NewMembers ? "new" : "add-bitmap")
      .field("layout", kernel_version_name(req.layout))
      .field("assume_clean", req.assume_clean);
  if (req.mode == CreateMode::NewMembers) {
    w.field("array_uuid", uuid_dashed(plan.spec.array_uuid))
        .field("name", plan.spec.name)
        .field("raid_disks", plan.spec.raid_disks)
        .field("member_size", plan.spec.member_size_bytes)
        .field("data_offset_sectors", plan.spec.data_offset_sectors);
  }
  w.key("members").begin_array();
  for (std::size_t i = 0; i < req.paths.size(); ++i) {
    w.begin_object().field("path", req.paths[i]);
    if (i < plan.device_uuids.size()) w.field("device_uuid", uuid_dashed(plan.device_uuids[i]));
    if (i < plan.make_file.size()) w.field("new_file", static_cast<bool>(plan.make_file[i]));
    w.end_object();
  }
  w.end_array();
  write_strings(w, "plan", plan.lines);
  w.field("dry_run", dry_run).field("written", written);
  string_or_null(w, "undo_file", undo_file);
  w.field("exit_status", exit_status).end_object();
  return w.take();
}

std::string error_json(std::string_view schema_name, std::string_view message, int exit_status) {
  JsonWriter w;
  schema(w, schema_name).field("error", message).field("exit_status", exit_status).end_object();
  return w.take();
}

}  // namespace llb
