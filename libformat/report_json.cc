#include "report_json.h"

#include "mdadm_format.h"

namespace llb {

Json runs_to_json(const std::vector<StateRun>& runs, KernelVersion v) {
  Json a = Json::array();
  for (const StateRun& r : runs) {
    a.push_back({{"first", r.first}, {"last", r.last}, {"value", r.value},
                 {"state", state_byte_label(r.value, v)}});
  }
  return a;
}

Json md_superblock_to_json(const LocatedMdSuperblock& loc) {
  const MdSuperblock& sb = loc.sb;
  Json roles = Json::array();
  for (std::uint16_t r : sb.dev_roles) roles.push_back(r);
  return {
      {"minor_version", loc.minor_version},
      {"offset_bytes", loc.offset_bytes},
      {"magic", sb.magic},
      {"major_version", sb.major_version},
      {"feature_map", sb.feature_map},
      {"features", md_feature_names(sb.feature_map)},
      {"array_uuid", uuid_colon(sb.set_uuid)},
      {"array_uuid_dashed", uuid_dashed(sb.set_uuid)},
      {"name", md_set_name(sb)},
      {"ctime", sb.ctime & 0xffffffffffull},
      {"level", sb.level},
      {"level_name", md_level_name(sb.level)},
      {"layout", sb.layout},
      {"size_sectors", sb.size},
      {"chunksize_sectors", sb.chunksize},
      {"raid_disks", sb.raid_disks},
      {"bitmap_offset_sectors", sb.bitmap_offset},
      {"data_offset_sectors", sb.data_offset},
      {"data_size_sectors", sb.data_size},
      {"super_offset_sectors", sb.super_offset},
      {"recovery_offset_sectors", sb.recovery_offset},
      {"dev_number", sb.dev_number},
      {"role", sb.role()},
      {"device_uuid", uuid_colon(sb.device_uuid)},
      {"devflags", sb.devflags},
      {"bblog_shift", sb.bblog_shift},
      {"bblog_size_sectors", sb.bblog_size},
      {"bblog_offset_sectors", sb.bblog_offset},
      {"utime", sb.utime & 0xffffffffffull},
      {"events", sb.events},
      {"resync_offset", sb.resync_offset},
      {"state", sb.resync_offset == kMaxSector ? "clean" : "active"},
      {"sb_csum", sb.sb_csum},
      {"computed_csum", loc.computed_csum},
      {"checksum_ok", loc.checksum_ok()},
      {"max_dev", sb.max_dev},
      {"logical_block_size", sb.logical_block_size},
      {"dev_roles", roles},
  };
}

Json bitmap_superblock_to_json(const BitmapSuperblock& b) {
  return {
      {"magic", b.magic},
      {"version", b.version},
      {"uuid", uuid_colon(b.uuid)},
      {"events", b.events},
      {"events_cleared", b.events_cleared},
      {"sync_size_sectors", b.sync_size},
      {"state", b.state},
      {"state_flags", bitmap_state_names(b.state)},
      {"chunksize", b.chunksize},
      {"daemon_sleep", b.daemon_sleep},
      {"write_behind", b.write_behind},
      {"sectors_reserved", b.sectors_reserved},
      {"nodes", b.nodes},
  };
}

namespace {

Json member_to_json(const Member& m, const TextOptions& opts) {
  Json j;
  j["device"] = {{"kind", device_kind_name(m.kind)},
                 {"size_bytes", m.size_bytes},
                 {"logical_block_size", m.logical_block_size}};
  j["md_superblock"] = md_superblock_to_json(m.md);
  j["bitmap_superblock"] =
      m.bitmap ? bitmap_superblock_to_json(*m.bitmap) : Json(nullptr);
  if (m.bitmap) j["bitmap_superblock"]["offset_bytes"] = m.bitmap_offset_bytes;
  if (m.geometry) {
    const Geometry& g = *m.geometry;
    Json l = {
        {"layout", kernel_version_name(m.layout)},
        {"layout_reason", m.layout_reason},
        {"chunksize_sectors", g.chunksize_sectors},
        {"chunkshift", g.chunkshift},
        {"chunks", g.chunks},
        {"resync_sectors", g.resync_sectors},
        {"state_offset_bytes", g.state_byte_offset(0)},
        {"io_size_bytes", m.io_size_bytes},
        {"pages", g.pages()},
    };
    if (m.states) {
      StateCounts c = count_states(m.states->bytes, m.layout);
      Json counts;
      for (int s = 0; s < state_count(m.layout); ++s) {
        counts[std::string(state_key(static_cast<State>(s)))] = c.by_state[s];
      }
      counts["invalid"] = c.invalid;
      l["counts"] = counts;
      l["runs"] = runs_to_json(state_runs(m.states->bytes), m.layout);
      if (opts.every_chunk) l["chunk_states"] = m.states->bytes;
      l["filler"] = {{"gap_bytes", m.states->gap_bytes},
                     {"gap_not_filler", m.states->gap_not_filler},
                     {"tail_bytes", m.states->tail_bytes},
                     {"tail_not_filler", m.states->tail_not_filler}};
    }
    j["llbitmap"] = l;
  } else {
    j["llbitmap"] = nullptr;
  }
  j["classic_bitmap"] = m.classic ? Json{{"chunks", m.classic->chunks}, {"dirty", m.classic->dirty}}
                                  : Json(nullptr);
  Json f = Json::array();
  for (const Finding& x : m.findings) {
    f.push_back({{"severity", severity_name(x.severity)}, {"code", x.code}, {"message", x.message}});
  }
  j["findings"] = f;
  return j;
}

Json array_to_json(const ArrayView& v) {
  const Member& src = *v.members[v.bitmap_source];
  Json members = Json::array();
  for (const MemberComparison& c : v.comparisons) {
    const Member& m = *v.members[c.member];
    members.push_back({
        {"path", m.device},
        {"role", m.md.sb.role()},
        {"state", rdev_state_name(m.member_class.state)},
        {"write_mostly", m.member_class.write_mostly},
        {"events", c.md_events},
        {"bitmap_events", m.bitmap ? Json(m.bitmap->events) : Json(nullptr)},
        {"events_behind", c.events_behind},
        {"bitmap_comparable", c.bitmap_comparable},
        {"differing_state_bytes", c.differing_bytes},
        {"differing_runs", runs_to_json(c.differing_runs, m.layout)},
    });
  }
  Json lagging = Json::array();
  for (std::size_t i : v.lagging) lagging.push_back(v.members[i]->device);
  Json recoveries = Json::array();
  for (const RecoveryNeed& r : v.recoveries) {
    recoveries.push_back({{"path", v.members[r.member]->device},
                          {"from_sector", r.from_sector},
                          {"sectors", r.sectors},
                          {"bitmap_driven", r.bitmap_driven}});
  }
  Json conflicts = Json::array();
  for (const Finding& f : v.conflicts) {
    conflicts.push_back({{"severity", severity_name(f.severity)}, {"code", f.code},
                         {"message", f.message}});
  }
  const AssemblyPlan& p = v.plan;
  return {
      {"uuid", uuid_colon(v.uuid)},
      {"level", src.md.sb.level},
      {"raid_disks", src.md.sb.raid_disks},
      {"max_events", v.max_events},
      {"bitmap_source", src.device},
      {"members", members},
      {"lagging", lagging},
      {"degraded", v.degraded},
      {"conflicts", conflicts},
      {"recoveries", recoveries},
      {"assembly",
       {{"action", load_action_name(p.action)},
        {"explanation", p.explanation},
        {"sync_kind", p.degraded ? "recovery" : "resync"},
        {"sync_chunks", p.sync_chunks},
        {"sync_runs", runs_to_json(p.sync_runs, src.layout)},
        {"sync_bytes", p.sync_bytes},
        {"full_sync_bytes", p.full_sync_bytes},
        {"invalid_forced", p.invalid_forced}}},
  };
}

}  // namespace

Json examination_to_json(const Examination& ex, const TextOptions& opts) {
  Json devices = Json::array();
  for (const DeviceExamination& d : ex.devices) {
    Json j;
    j["path"] = d.path;
    j["exit_bits"] = d.exit_bits;
    if (d.member) {
      j["error"] = nullptr;
      j.update(member_to_json(ex.members[*d.member], opts));
    } else {
      j["error"] = {{"code", code_name(d.error.code())}, {"message", d.error.message()}};
    }
    devices.push_back(j);
  }
  Json arrays = Json::array();
  for (const ArrayView& v : ex.arrays) arrays.push_back(array_to_json(v));
  return {{"schema", "llbitmap-examine"},
          {"schema_version", kExamineJsonSchemaVersion},
          {"exit_status", ex.exit_status},
          {"devices", devices},
          {"arrays", arrays}};
}

}  // namespace llb
