#include "libformat/report/report_json.h"

#include "libformat/report/mdadm_format.h"

namespace llb {

void write_runs(JsonWriter& w, const std::vector<StateRun>& runs, KernelVersion v) {
  w.begin_array();
  for (const StateRun& r : runs) {
    w.begin_object()
        .field("first", r.first)
        .field("last", r.last)
        .field("value", r.value)
        .field("state", state_byte_label(r.value, v))
        .end_object();
  }
  w.end_array();
}

std::string runs_json(const std::vector<StateRun>& runs, KernelVersion v) {
  JsonWriter w;
  write_runs(w, runs, v);
  return w.take();
}

namespace {

void write_strings(JsonWriter& w, const std::vector<std::string>& names) {
  w.begin_array();
  for (const std::string& n : names) w.value(n);
  w.end_array();
}

}  // namespace

void write_md_superblock(JsonWriter& w, const LocatedMdSuperblock& loc) {
  const MdSuperblock& sb = loc.sb;
  w.begin_object()
      .field("minor_version", loc.minor_version)
      .field("offset_bytes", loc.offset_bytes)
      .field("magic", sb.magic)
      .field("major_version", sb.major_version)
      .field("feature_map", sb.feature_map)
      .key("features");
  write_strings(w, md_feature_names(sb.feature_map));
  w.field("array_uuid", uuid_colon(sb.set_uuid))
      .field("array_uuid_dashed", uuid_dashed(sb.set_uuid))
      .field("name", md_set_name(sb))
      .field("ctime", sb.ctime & 0xffffffffffull)
      .field("level", sb.level)
      .field("level_name", md_level_name(sb.level))
      .field("layout", sb.layout)
      .field("size_sectors", sb.size)
      .field("chunksize_sectors", sb.chunksize)
      .field("raid_disks", sb.raid_disks)
      .field("bitmap_offset_sectors", sb.bitmap_offset)
      .field("data_offset_sectors", sb.data_offset)
      .field("data_size_sectors", sb.data_size)
      .field("super_offset_sectors", sb.super_offset)
      .field("recovery_offset_sectors", sb.recovery_offset)
      .field("dev_number", sb.dev_number)
      .field("role", sb.role())
      .field("device_uuid", uuid_colon(sb.device_uuid))
      .field("devflags", sb.devflags)
      .field("bblog_shift", sb.bblog_shift)
      .field("bblog_size_sectors", sb.bblog_size)
      .field("bblog_offset_sectors", sb.bblog_offset)
      .field("utime", sb.utime & 0xffffffffffull)
      .field("events", sb.events)
      .field("resync_offset", sb.resync_offset)
      .field("state", sb.resync_offset == kMaxSector ? "clean" : "active")
      .field("sb_csum", sb.sb_csum)
      .field("computed_csum", loc.computed_csum)
      .field("checksum_ok", loc.checksum_ok())
      .field("max_dev", sb.max_dev)
      .field("logical_block_size", sb.logical_block_size)
      .key("dev_roles")
      .begin_array();
  for (std::uint16_t r : sb.dev_roles) w.value(r);
  w.end_array().end_object();
}

void write_bitmap_superblock(JsonWriter& w, const BitmapSuperblock& b) {
  w.begin_object()
      .field("magic", b.magic)
      .field("version", b.version)
      .field("uuid", uuid_colon(b.uuid))
      .field("events", b.events)
      .field("events_cleared", b.events_cleared)
      .field("sync_size_sectors", b.sync_size)
      .field("state", b.state)
      .key("state_flags");
  write_strings(w, bitmap_state_names(b.state));
  w.field("chunksize", b.chunksize)
      .field("daemon_sleep", b.daemon_sleep)
      .field("write_behind", b.write_behind)
      .field("sectors_reserved", b.sectors_reserved)
      .field("nodes", b.nodes);
  // The caller adds offset_bytes and closes the object.
}

namespace {

void write_llbitmap(JsonWriter& w, const Member& m, const TextOptions& opts) {
  const Geometry& g = *m.geometry;
  w.begin_object()
      .field("layout", kernel_version_name(m.layout))
      .field("layout_reason", m.layout_reason)
      .field("chunksize_sectors", g.chunksize_sectors)
      .field("chunkshift", g.chunkshift)
      .field("chunks", g.chunks)
      .field("resync_sectors", g.resync_sectors)
      .field("state_offset_bytes", g.state_byte_offset(0))
      .field("io_size_bytes", m.io_size_bytes)
      .field("pages", g.pages());
  if (m.states) {
    const StateCounts& c = m.states->counts;
    w.key("counts").begin_object();
    for (int s = 0; s < state_count(m.layout); ++s) {
      w.field(state_key(static_cast<State>(s)), c.by_state[s]);
    }
    w.field("invalid", c.invalid).end_object().key("runs");
    write_runs(w, m.states->runs, m.layout);
    if (opts.every_chunk) {
      w.key("chunk_states").begin_array();
      for (std::uint8_t b : m.states->bytes) w.value(b);
      w.end_array();
    }
    w.key("filler")
        .begin_object()
        .field("gap_bytes", m.states->gap_bytes)
        .field("gap_not_filler", m.states->gap_not_filler)
        .field("tail_bytes", m.states->tail_bytes)
        .field("tail_not_filler", m.states->tail_not_filler)
        .end_object();
  }
  w.end_object();
}

void write_findings(JsonWriter& w, const std::vector<Finding>& findings) {
  w.begin_array();
  for (const Finding& x : findings) {
    w.begin_object()
        .field("severity", severity_name(x.severity))
        .field("code", x.code)
        .field("message", x.message)
        .end_object();
  }
  w.end_array();
}

// The member's fields, inside the device object the caller opened.
void write_member(JsonWriter& w, const Member& m, const TextOptions& opts) {
  w.key("device")
      .begin_object()
      .field("kind", device_kind_name(m.kind))
      .field("size_bytes", m.size_bytes)
      .field("logical_block_size", m.logical_block_size)
      .end_object()
      .key("md_superblock");
  write_md_superblock(w, m.md);
  w.key("bitmap_superblock");
  if (m.bitmap) {
    write_bitmap_superblock(w, *m.bitmap);
    w.field("offset_bytes", m.bitmap_offset_bytes).end_object();
  } else {
    w.null();
  }
  w.key("llbitmap");
  if (m.geometry) {
    write_llbitmap(w, m, opts);
  } else {
    w.null();
  }
  // The bad-block log's entries as md reads them: [first sector on the member, sectors].
  w.key("bad_blocks");
  if (m.bblog) {
    w.begin_array();
    for (const BadBlock& b : m.bblog->entries) w.begin_array().value(b.sector).value(b.sectors).end_array();
    w.end_array();
  } else {
    w.null();
  }
  w.key("bblog_overlap");
  if (m.bblog_overlap) {
    const BblogOverlap& o = *m.bblog_overlap;
    const char* state = o.log_over_states() && o.states_over_log() ? "both"
                        : o.log_over_states()                     ? "log-over-states"
                        : o.states_over_log()                     ? "states-over-log"
                                                                  : "latent";
    w.begin_object()
        .field("state", state)
        .field("log_offset_bytes", o.log_begin)
        .field("log_end_bytes", o.log_end)
        .field("first_chunk", o.first_chunk)
        .field("last_chunk", o.last_chunk)
        .field("log_declared", o.log_declared)
        .field("lost_chunks", o.lost_chunks)
        .field("lost_read_as_states", o.lost_read_as_states);
    w.key("lost").begin_array();
    for (const auto& [a, b] : o.lost) w.begin_array().value(a).value(b).end_array();
    w.end_array().field("state_blocks_in_log", o.state_blocks_in_log);
    const bool refused = o.log_declared && m.bblog && !bad_block_log_refusal(*m.bblog).empty();
    w.field("kernel_refuses_member", refused).end_object();
  } else {
    w.null();
  }
  w.key("classic_bitmap");
  if (m.classic) {
    w.begin_object()
        .field("chunks", m.classic->chunks)
        .field("dirty", m.classic->dirty)
        .end_object();
  } else {
    w.null();
  }
  w.key("findings");
  write_findings(w, m.findings);
}

void write_array(JsonWriter& w, const ArrayView& v) {
  const Member& src = *v.members[v.bitmap_source];
  w.begin_object()
      .field("uuid", uuid_colon(v.uuid))
      .field("level", src.md.sb.level)
      .field("raid_disks", src.md.sb.raid_disks)
      .field("max_events", v.max_events)
      .field("bitmap_source", src.device)
      .key("members")
      .begin_array();
  for (const MemberComparison& c : v.comparisons) {
    const Member& m = *v.members[c.member];
    w.begin_object()
        .field("path", m.device)
        .field("role", m.md.sb.role())
        .field("state", rdev_state_name(m.member_class.state))
        .field("write_mostly", m.member_class.write_mostly)
        .field("events", c.md_events)
        .key("bitmap_events");
    if (m.bitmap) {
      w.value(m.bitmap->events);
    } else {
      w.null();
    }
    w.field("events_behind", c.events_behind)
        .field("bitmap_comparable", c.bitmap_comparable)
        .field("differing_state_bytes", c.differing_bytes)
        .key("differing_runs");
    write_runs(w, c.differing_runs, m.layout);
    w.end_object();
  }
  w.end_array().key("lagging").begin_array();
  for (std::size_t i : v.lagging) w.value(v.members[i]->device);
  w.end_array().field("degraded", v.degraded).key("conflicts");
  write_findings(w, v.conflicts);
  w.key("recoveries").begin_array();
  for (const RecoveryNeed& r : v.recoveries) {
    w.begin_object()
        .field("path", v.members[r.member]->device)
        .field("from_sector", r.from_sector)
        .field("sectors", r.sectors)
        .field("bitmap_driven", r.bitmap_driven)
        .end_object();
  }
  const AssemblyPlan& p = v.plan;
  w.end_array()
      .key("assembly")
      .begin_object()
      .field("action", load_action_name(p.action))
      .field("explanation", p.explanation)
      .field("sync_kind", p.degraded ? "recovery" : "resync")
      .field("sync_chunks", p.sync_chunks)
      .key("sync_runs");
  write_runs(w, p.sync_runs, src.layout);
  w.field("sync_bytes", p.sync_bytes)
      .field("full_sync_bytes", p.full_sync_bytes)
      .field("invalid_forced", p.invalid_forced)
      .end_object()
      .end_object();
}

}  // namespace

std::string examination_json(const Examination& ex, const TextOptions& opts, int indent) {
  JsonWriter w(indent);
  write_examination(w, ex, opts);
  return w.take();
}

void write_examination(JsonWriter& w, const Examination& ex, const TextOptions& opts) {
  w.begin_object()
      .field("schema", "llbitmap-examine")
      .field("schema_version", kExamineJsonSchemaVersion)
      .field("exit_status", ex.exit_status)
      .key("devices")
      .begin_array();
  for (const DeviceExamination& d : ex.devices) {
    w.begin_object().field("path", d.path).field("exit_bits", d.exit_bits).key("error");
    if (d.member) {
      w.null();
      write_member(w, ex.members[*d.member], opts);
    } else {
      w.begin_object()
          .field("code", code_name(d.error.code()))
          .field("message", d.error.message())
          .end_object();
    }
    w.end_object();
  }
  w.end_array().key("arrays").begin_array();
  for (const ArrayView& v : ex.arrays) write_array(w, v);
  w.end_array().end_object();
}

}  // namespace llb
