// KEY=VALUE lines in the manner of `blkid -o export`: one block per device, a blank line between
// blocks, then one block per array.

#include <sstream>

#include "libformat/report/report.h"

namespace llb {

// As `blkid -o export` prints a value (util-linux's safe_print): a byte of 128 or more as "M-" and
// the byte less 128, then a control byte (and DEL) as "^" and the byte XOR 0x40, and a backslash
// before a space, a backslash, a quote of either kind, a dollar sign, a backquote, '<' and '>'.
// Everything else is printed as it is, parentheses included: "(none):0" stays "(none):0". blkid
// prints DEVNAME raw; here it is escaped too, so that `eval` never runs a device name.

std::string blkid_export_escape(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (const char c0 : v) {
    auto c = static_cast<unsigned char>(c0);
    if (c >= 128) {
      out += "M-";
      c = static_cast<unsigned char>(c - 128);
    }
    if (c < 32 || c == 0x7f) {
      out += '^';
      c ^= 0x40;
    } else if (std::string_view(" \\\"'$`<>").find(static_cast<char>(c)) != std::string_view::npos) {
      out += '\\';
    }
    out += static_cast<char>(c);
  }
  return out;
}

namespace {

std::string safe(const std::string& v) { return blkid_export_escape(v); }

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace

std::string render_export(const Examination& ex) {
  std::ostringstream o;
  bool first = true;
  auto kv = [&](std::string_view k, const auto& v) { o << k << "=" << v << "\n"; };
  for (const DeviceExamination& d : ex.devices) {
    if (!first) o << "\n";
    first = false;
    kv("DEVNAME", safe(d.path));
    kv("EXAMINE_STATUS", d.exit_bits);
    if (!d.member) {
      kv("ERROR", safe(d.error.to_string()));
      continue;
    }
    const Member& m = ex.members[*d.member];
    const MdSuperblock& sb = m.md.sb;
    kv("TYPE", "linux_raid_member");
    kv("UUID", uuid_dashed(sb.set_uuid));
    kv("UUID_SUB", uuid_dashed(sb.device_uuid));
    kv("MD_UUID", uuid_colon(sb.set_uuid));
    kv("MD_METADATA", str_cat("1.", m.md.minor_version));
    kv("MD_NAME", safe(md_set_name(sb)));
    kv("MD_LEVEL", md_level_name(sb.level));
    kv("MD_DEVICES", sb.raid_disks);
    kv("MD_ROLE", sb.role());
    kv("MD_EVENTS", sb.events);
    kv("MD_STATE", sb.resync_offset == kMaxSector ? "clean" : "active");
    kv("MD_CHECKSUM_OK", m.md.checksum_ok() ? 1 : 0);
    if (m.bitmap) {
      kv("BITMAP_VERSION", m.bitmap->version);
      kv("BITMAP_EVENTS", m.bitmap->events);
      kv("BITMAP_STATE", hex(m.bitmap->state));
      kv("BITMAP_CHUNKSIZE", m.bitmap->chunksize);
      kv("BITMAP_DAEMON_SLEEP", m.bitmap->daemon_sleep);
    }
    if (m.geometry) {
      kv("LLBITMAP_LAYOUT", kernel_version_name(m.layout));
      kv("LLBITMAP_CHUNKSIZE_SECTORS", m.geometry->chunksize_sectors);
      kv("LLBITMAP_CHUNKS", m.geometry->chunks);
      if (m.states) {
        const StateCounts& c = m.states->counts;
        for (int s = 0; s < state_count(m.layout); ++s) {
          kv("LLBITMAP_" + upper(state_key(static_cast<State>(s))), c.by_state[s]);
        }
        kv("LLBITMAP_INVALID", c.invalid);
      }
    }
    if (m.classic) {
      kv("BITMAP_CHUNKS", m.classic->chunks);
      kv("BITMAP_DIRTY", m.classic->dirty);
    }
    std::string codes;
    for (const Finding& f : m.findings) codes += (codes.empty() ? "" : ",") + f.code;
    kv("FINDINGS", codes);
  }
  for (const ArrayView& v : ex.arrays) {
    o << "\n";
    kv("ARRAY_UUID", uuid_colon(v.uuid));
    kv("ARRAY_MEMBERS", v.members.size());
    kv("ARRAY_BITMAP_SOURCE", safe(v.members[v.bitmap_source]->device));
    std::string lag;
    for (std::size_t i : v.lagging) lag += (lag.empty() ? "" : ",") + safe(v.members[i]->device);
    kv("ARRAY_LAGGING", lag);
    kv("ARRAY_DEGRADED", v.degraded ? 1 : 0);
    kv("ARRAY_LOAD_ACTION", load_action_name(v.plan.action));
    kv("ARRAY_SYNC_CHUNKS", v.plan.sync_chunks);
    kv("ARRAY_SYNC_BYTES", v.plan.sync_bytes);
    kv("ARRAY_FULL_SYNC_BYTES", v.plan.full_sync_bytes);
  }
  o << "\n";
  kv("EXIT_STATUS", ex.exit_status);
  return o.str();
}

}  // namespace llb
