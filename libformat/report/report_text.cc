#include <algorithm>
#include <cstdio>
#include <sstream>

#include "libformat/report/mdadm_format.h"
#include "libformat/report/report.h"

namespace llb {
namespace {

std::string pct(std::uint64_t part, std::uint64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", whole ? 100.0 * static_cast<double>(part) /
                                                       static_cast<double>(whole)
                                                 : 0.0);
  return buf;
}

void render_bitmap_sb(std::ostringstream& o, const Member& m) {
  const BitmapSuperblock& b = *m.bitmap;
  o << "Bitmap superblock at byte " << m.bitmap_offset_bytes << ":\n";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%08x", b.magic);
  o << "          Magic : " << buf << "\n";
  o << "        Version : " << bitmap_version_name(b.version) << "\n";
  o << "           UUID : " << uuid_colon(b.uuid) << "\n";
  o << "         Events : " << b.events << "\n";
  o << " Events Cleared : " << b.events_cleared << "\n";
  o << "          State : " << hex(b.state);
  auto names = bitmap_state_names(b.state);
  if (!names.empty()) {
    o << " (";
    for (std::size_t i = 0; i < names.size(); ++i) o << (i ? ", " : "") << names[i];
    o << ")";
  }
  o << "\n";
  if (m.lockless && m.verdict && m.verdict->first_use) {
    o << "      Chunksize : " << b.chunksize
      << " (mdadm's create-time placeholder, ignored on first use)\n";
  } else if (m.lockless) {
    o << "      Chunksize : " << b.chunksize << " sectors";
    if (b.chunksize) o << " (" << format_iec(std::uint64_t{b.chunksize} * 512) << ")";
    o << "\n";
  } else {
    o << "      Chunksize : " << format_iec(b.chunksize) << "\n";
  }
  o << "         Daemon : " << b.daemon_sleep << "s flush period\n";
  o << "      Sync Size : " << b.sync_size << " sectors" << mdadm_human_size(b.sync_size * 512)
    << "\n";
  o << "Sectors Reserved: " << b.sectors_reserved << " ("
    << format_iec(std::uint64_t{b.sectors_reserved} * 512) << ")\n";
  o << "   Write Behind : " << b.write_behind << "\n";
  o << "          Nodes : " << b.nodes << "\n";
  if (m.classic) {
    const auto& c = *m.classic;
    o << "         Bitmap : " << c.chunks << " bits (chunks), " << c.dirty << " dirty ("
      << pct(c.dirty, c.chunks) << ")\n";
  }
}

void render_states(std::ostringstream& o, const Member& m, const TextOptions& opts) {
  const Geometry& g = *m.geometry;
  o << "\nllbitmap (" << kernel_version_name(m.layout) << " layout; " << m.layout_reason << "):\n";
  o << "     Chunk Size : " << format_iec(g.chunk_bytes()) << " (" << g.chunksize_sectors
    << " sectors, shift " << g.chunkshift << ")\n";
  o << "         Chunks : " << g.chunks << " covering " << g.resync_sectors << " sectors\n";
  o << "    State Bytes : bytes " << g.state_byte_offset(0) << "-"
    << g.state_byte_offset(g.chunks) - 1 << " (bitmap superblock + " << g.data_offset_bytes
    << ")\n";
  o << "     Write Unit : " << m.io_size_bytes << " bytes (" << m.io_size_bytes
    << " chunks per block)\n";
  o << "   Bitmap Pages : " << g.pages() << "\n";
  if (!m.states) return;
  const StateCounts& c = m.states->counts;
  o << "  bits (the labels of sysfs llbitmap/bits, counted on disk):\n";
  for (int s = 0; s < state_count(m.layout); ++s) {
    o << "    " << state_sysfs_label(static_cast<State>(s)) << " " << c.by_state[s] << "\n";
  }
  if (c.invalid) o << "    invalid " << c.invalid << "\n";
  if (opts.every_chunk) {
    o << "  chunks:\n";
    for (std::uint64_t i = 0; i < m.states->bytes.size(); ++i) {
      o << "    " << i << " " << state_byte_label(m.states->bytes[i], m.layout) << "\n";
    }
  } else {
    o << "  runs:\n";
    for (const StateRun& r : m.states->runs) {
      o << "    " << format_range(r.first, r.last) << " " << state_byte_label(r.value, m.layout)
        << "\n";
    }
  }
}

void render_member(std::ostringstream& o, const Member& m, const TextOptions& opts) {
  o << m.device << ":\n";
  o << mdadm_examine_text(m.md.sb, m.size_bytes / 512, m.md.computed_csum,
                          m.bitmap ? mdadm_bitmap_sectors(m.bitmap->sync_size, m.bitmap->chunksize)
                                   : 0);
  o << "\n";
  o << "     Blkid UUID : " << uuid_dashed(m.md.sb.set_uuid) << "\n";
  o << "         Device : " << device_kind_name(m.kind) << ", " << m.size_bytes
    << " bytes, logical block size " << m.logical_block_size << "\n";
  o << "     Superblock : 1." << m.md.minor_version << " at byte " << m.md.offset_bytes;
  auto features = md_feature_names(m.md.sb.feature_map);
  if (!features.empty()) {
    o << "; features";
    for (const auto& f : features) o << " " << f;
  }
  o << "\n";
  o << "  Array LBS     : "
    << (m.md.sb.logical_block_size ? std::to_string(m.md.sb.logical_block_size) + " bytes"
                                   : std::string("not recorded (older kernel)"))
    << "\n";
  if (m.bitmap) {
    o << "\n";
    render_bitmap_sb(o, m);
  }
  if (m.geometry) render_states(o, m, opts);
  if (!m.findings.empty()) {
    o << "\nFindings:\n";
    for (const Finding& f : m.findings) {
      o << "  " << severity_name(f.severity) << " " << f.code << ": " << f.message << "\n";
    }
  }
}

void render_array(std::ostringstream& o, const ArrayView& v) {
  const Member& src = *v.members[v.bitmap_source];
  const MdSuperblock& sb = src.md.sb;
  o << "\nArray " << uuid_colon(v.uuid) << " (" << md_level_name(sb.level) << ", "
    << sb.raid_disks << " raid devices; " << v.members.size() << " member"
    << (v.members.size() == 1 ? "" : "s") << " examined):\n";
  std::size_t width = 6;
  for (const Member* m : v.members) width = std::max(width, m->device.size());
  auto row = [&](const std::string& a, const std::string& b, const std::string& c,
                 const std::string& d, const std::string& e) {
    o << "  " << a << std::string(width + 2 - a.size(), ' ') << b
      << std::string(b.size() < 8 ? 8 - b.size() : 1, ' ') << c
      << std::string(c.size() < 8 ? 8 - c.size() : 1, ' ') << d
      << std::string(d.size() < 15 ? 15 - d.size() : 1, ' ') << e << "\n";
  };
  row("member", "role", "events", "bitmap-events", "differing-state-bytes");
  for (const MemberComparison& c : v.comparisons) {
    const Member& m = *v.members[c.member];
    std::uint16_t role = m.md.sb.role();
    std::string role_s = role < kRoleMax ? std::to_string(role)
                         : role == kRoleSpare ? "spare"
                         : role == kRoleFaulty ? "faulty" : "other";
    std::string diff = c.member == v.bitmap_source ? "(bitmap source)"
                       : c.bitmap_comparable     ? std::to_string(c.differing_bytes)
                                                 : "-";
    row(m.device, role_s, std::to_string(c.md_events),
        m.bitmap ? std::to_string(m.bitmap->events) : "-", diff);
    if (c.member != v.bitmap_source && c.differing_bytes) {
      o << "      differs at chunks: " << runs_summary(c.differing_runs, 8) << "\n";
    }
  }
  for (std::size_t i : v.lagging) {
    const Member& m = *v.members[i];
    o << "  lagging: " << m.device << " is " << (v.max_events - m.md.sb.events)
      << " events behind; assembly leaves it out, and re-adding it recovers the chunks flagged "
         "in the fresh members' bitmap\n";
  }
  for (const Finding& f : v.conflicts) {
    o << "  " << severity_name(f.severity) << " " << f.code << ": " << f.message << "\n";
  }
  o << "  degraded: " << (v.degraded ? "yes (a raid device has no active member)" : "no") << "\n";
  for (const RecoveryNeed& r : v.recoveries) {
    o << "  recovery: " << v.members[r.member]->device << " from sector " << r.from_sector << ", "
      << r.sectors << " sectors"
      << (r.bitmap_driven ? " (the chunks the bitmap flags)" : " (every sector, not the bitmap)")
      << ": the kernel rebuilds it from the in-sync mirrors before it reads from it\n";
  }
  const AssemblyPlan& p = v.plan;
  o << "  assembly: " << load_action_name(p.action) << ": " << p.explanation << "\n";
  if (p.action == LoadAction::Reload || p.action == LoadAction::Stale) {
    o << "  " << (p.degraded ? "recover" : "resync") << ": " << p.sync_chunks << " chunks";
    if (p.sync_chunks) o << " (" << runs_summary(p.sync_runs, 12) << ")";
    o << "\n";
    o << "  bytes: " << p.sync_bytes << " of " << p.full_sync_bytes << " (" << pct(p.sync_bytes,
                                                                                p.full_sync_bytes)
      << " of a full resync)\n";
    if (p.invalid_forced) {
      o << "  invalid state bytes forced to NeedSync: " << p.invalid_forced << "\n";
    }
  }
}

}  // namespace

std::string format_iec(std::uint64_t bytes) {
  static const char* kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  std::uint64_t v = bytes;
  while (u < 5 && v >= 1024 && v % 1024 == 0) {
    v /= 1024;
    ++u;
  }
  if (v < 10240 || u == 5) return str_cat(v, " ", kUnits[u]);
  double d = static_cast<double>(bytes);
  u = 0;
  while (d >= 1024 && u < 5) {
    d /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", d, kUnits[u]);
  return buf;
}

std::string runs_summary(const std::vector<StateRun>& runs, std::size_t max_items) {
  std::string s;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (i == max_items) return s + str_cat(", ... (", runs.size() - max_items, " more runs)");
    if (i) s += ", ";
    s += format_range(runs[i].first, runs[i].last);
  }
  return s;
}

std::string format_range(std::uint64_t first, std::uint64_t last) {
  return first == last ? std::to_string(first) : str_cat(first, "-", last);
}

std::string state_byte_label(std::uint8_t byte, KernelVersion v) {
  if (is_valid_state(byte, v)) return std::string(state_sysfs_label(static_cast<State>(byte)));
  if (byte == kBitNone) return "none(0xff)";
  return "invalid(" + hex(byte, 2) + ")";
}

std::string render_text(const Examination& ex, const TextOptions& opts) {
  std::ostringstream o;
  bool first = true;
  for (const DeviceExamination& d : ex.devices) {
    if (!first) o << "\n";
    first = false;
    if (!d.member) {
      o << d.path << ": error: " << d.error.to_string() << "\n";
      continue;
    }
    render_member(o, ex.members[*d.member], opts);
  }
  for (const ArrayView& v : ex.arrays) render_array(o, v);
  return o.str();
}

}  // namespace llb
