#include "libformat/ops/member.h"

#include "libformat/codec/kernel_profile.h"

#include <algorithm>

namespace llb {
namespace {

void add(Member& m, Severity sev, std::string code, std::string message) {
  m.findings.push_back({sev, std::move(code), std::move(message)});
}

std::string lower_kebab(std::string_view camel) {
  std::string out;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      if (!out.empty()) out += '-';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

// Reads the bad-block log when the superblock says one holds entries, as super_1_load does.
void read_bblog(Member& m, BlockDevice& dev, std::string* error) {
  if (!(m.md.sb.feature_map & kFeatureBadBlocks)) return;
  auto place = bad_block_log_place(m.md);
  if (!place || place->size_bytes > kBadBlockLogMaxSectors * 512) return;  // a rule says why
  if (place->offset_bytes + place->size_bytes > m.size_bytes) {
    *error = str_cat("bytes ", place->offset_bytes, "-", place->offset_bytes + place->size_bytes - 1,
                     " are past the end of the device");
    return;
  }
  auto raw = read_bytes(dev, place->offset_bytes, place->size_bytes);
  if (!raw.ok()) {
    *error = raw.status().message();
    return;
  }
  m.bblog = decode_bad_block_log(*raw, m.md.sb.bblog_shift);
}

void check_md(Member& m, BlockDevice& dev, const std::vector<Status>& others) {
  const MdSuperblock& sb = m.md.sb;
  std::string bblog_error;
  read_bblog(m, dev, &bblog_error);
  m.md_verdict = check_md_acceptance(m.md, m.size_bytes, m.logical_block_size, m.device, m.bblog,
                                     bblog_error);
  for (const MdRuleFinding& f : m.md_verdict.findings) {
    add(m, Severity::Error, std::string(md_rule_code(f.rule)), f.message);
  }
  for (const Status& s : others) {
    if (s.code() == Code::NotFound) continue;
    add(m, Severity::Warning, "md-other-superblock", s.message());
  }
  if (sb.data_offset + sb.size > m.size_bytes / 512 && sb.level > 0 &&
      !m.md_verdict.breaks(MdRule::DataSizeBeyondDevice)) {
    add(m, Severity::Error, "md-device-too-small",
        str_cat(m.device, ": md superblock says data_offset ", sb.data_offset, " + size ",
                sb.size, " sectors, but the device has only ", m.size_bytes / 512, " sectors"));
  }
  m.member_class = classify_member(sb, m.device);
  const MemberClass& mc = m.member_class;
  switch (mc.state) {
    case RdevState::InSync:
      break;
    case RdevState::Spare:
      add(m, Severity::Info, "member-spare", mc.why + "; the kernel does not read data from it");
      break;
    case RdevState::Journal:
      add(m, Severity::Info, "member-journal", mc.why + "; it holds no mirror of the data");
      break;
    case RdevState::Faulty:
      add(m, Severity::Warning, "member-faulty", mc.why + "; the kernel does not read data from it");
      break;
    case RdevState::Recovering:
      add(m, Severity::Warning, "member-recovering",
          mc.why + "; until then the kernel does not read data from it, and no tool may copy "
                   "from it");
      break;
    case RdevState::Replacement:
      add(m, Severity::Warning, "member-replacement",
          mc.why + "; the kernel does not read data from it until the replacement completes");
      break;
  }
  if (mc.write_mostly) {
    add(m, Severity::Info, "member-write-mostly",
        str_cat(m.device, ": write-mostly (devflags ", hex(sb.devflags, 2),
                "): the kernel reads from it only when no other mirror can serve"));
  }
}

// Chooses the state layout. The FIRST_USE bit differs between the versions (bit 3 upstream,
// bit 2 in the RFC). Otherwise the bytes from +1024 to the end of the superblock page decide:
// the RFC never writes there, so they keep mdadm's 0xff filler, while upstream keeps chunk
// states there. Damaged states stay upstream: only an all-0xff page reads as the RFC.
void choose_layout(Member& m, BlockDevice& dev, LayoutChoice choice) {
  if (choice != LayoutChoice::Auto) {
    m.layout = choice == LayoutChoice::Rfc ? KernelVersion::Rfc : KernelVersion::Upstream;
    m.layout_reason = "chosen with --layout";
    return;
  }
  // The two layouts' own marks: each profile's FIRST_USE bit, and where Linux 7.2 keeps states.
  const KernelProfile& up = profiles::kUpstream;
  const KernelProfile& rfc = profiles::kRfc;
  m.layout = up.version;
  const BitmapSuperblock& b = *m.bitmap;
  const bool rfc_first_use = (b.state >> rfc.first_use_bit) & 1;
  const bool upstream_first_use = (b.state >> up.first_use_bit) & 1;
  if (rfc_first_use && !upstream_first_use) {
    m.layout = rfc.version;
    m.layout_reason = "auto: state has the RFC's FIRST_USE bit (bit 2)";
    m.layout_evidence = LayoutEvidence::StrongRfc;
    return;
  }
  if (upstream_first_use) {
    m.layout_reason = "auto: state has FIRST_USE (bit 3)";
    m.layout_evidence = LayoutEvidence::StrongUpstream;
    return;
  }
  auto g = geometry_from_superblocks(m.md.sb, m.md.offset_bytes, b, up.version, m.device);
  if (!g.ok() || g->chunks == 0) {
    m.layout_reason = "auto: default (no usable geometry)";
    return;
  }
  const std::uint64_t len =
      std::min<std::uint64_t>(g->chunks, kBitmapPageBytes - up.data_offset_bytes);
  auto bytes = read_bytes(dev, m.bitmap_offset_bytes + up.data_offset_bytes,
                          static_cast<std::size_t>(len));
  if (!bytes.ok()) {
    m.layout_reason = "auto: default (state bytes unreadable)";
    return;
  }
  if (std::all_of(bytes->begin(), bytes->end(), [](std::uint8_t x) { return x == 0xff; })) {
    m.layout = rfc.version;
    m.layout_reason = str_cat("auto: ", len, " bytes at +1024 still hold mdadm's 0xff filler, so "
                              "the states are at +4096 (RFC)");
    m.layout_evidence = LayoutEvidence::WeakRfc;
  } else {
    m.layout_reason = "auto: state bytes at +1024 (Linux 7.2)";
    m.layout_evidence = LayoutEvidence::StrongUpstream;
  }
}

void check_placement(Member& m) {
  const MdSuperblock& sb = m.md.sb;
  const Geometry& g = *m.geometry;
  const std::uint64_t area_end = g.bitmap_offset_bytes + g.state_area_end_bytes();
  if (g.state_area_end_bytes() > g.reserved_bytes) {
    add(m, Severity::Warning, "state-area-past-reserved",
        str_cat(m.device, ": llbitmap state area needs ", g.state_area_end_bytes(),
                " bytes from the bitmap superblock, but sectors_reserved gives ", g.reserved_bytes));
  }
  if (sb.data_offset * 512 < area_end && sb.data_offset * 512 >= m.md.offset_bytes) {
    add(m, Severity::Error, "state-area-overlaps-data",
        str_cat(m.device, ": llbitmap state area ends at byte ", area_end,
                ", past data_offset at byte ", sb.data_offset * 512));
  }
}

// The three cases of docs/findings/bblog-overlap.md, each with what to do.
void check_bblog_overlap(Member& m) {
  m.bblog_overlap = find_bblog_overlap(m);
  if (!m.bblog_overlap) return;
  const BblogOverlap& o = *m.bblog_overlap;
  const std::string where =
      str_cat(m.device, ": the bad-block log at bytes ", o.log_begin, "-", o.log_end - 1,
              " lies over the state bytes of chunks ", o.first_chunk, "-", o.last_chunk);
  if (!o.hit()) {
    add(m, Severity::Warning, "bblog-overlap",
        str_cat(where, o.log_declared ? " (bad blocks are recorded, no state byte is hit yet)"
                                      : " (no bad block recorded yet)",
                ": the first bad block md records will overwrite those states. Move the log "
                "now: llbitmap-repair --repair (offline) moves it past the bitmap or removes it "
                "while it is empty"));
    return;
  }
  if (o.log_over_states()) {
    std::string runs;
    for (const auto& [a, b] : o.lost) runs += str_cat(runs.empty() ? "" : ",", a, "-", b);
    add(m, Severity::Error, "bblog-over-states",
        str_cat(where, ": md wrote its log page there; the states of ", o.lost_chunks,
                " chunks (", runs, ") are lost, ", o.lost_read_as_states,
                " of them read as valid states the kernel trusts and does not resync. Treat "
                "them as NeedSync: llbitmap-repair --repair marks them so on every member and "
                "moves the log"));
  }
  if (o.states_over_log()) {
    std::string what = "the kernel parses them as bad blocks";
    if (m.bblog) {
      const std::string refusal = bad_block_log_refusal(*m.bblog);
      what = refusal.empty()
                 ? str_cat("the kernel parses them as ", m.bblog->entries.size(),
                           " bad-block entries: bogus bad blocks it will avoid and report")
                 : str_cat("the kernel parses them as bad-block entries and refuses the member "
                           "at assembly: ", refusal);
    }
    add(m, Severity::Error, "states-over-bblog",
        str_cat(where, ": the llbitmap wrote state bytes over ", o.state_blocks_in_log,
                " of the log's 512-byte blocks while the superblock declares bad blocks; ", what,
                ". llbitmap-repair --repair rebuilds the log from its real entries and moves it"));
  }
}

void check_states(Member& m) {
  const StateArea& a = *m.states;
  const StateCounts& c = a.counts;
  if (c.invalid) {
    std::uint64_t first = 0;
    for (std::uint64_t i = 0; i < a.bytes.size(); ++i) {
      if (!is_valid_state(a.bytes[i], m.layout)) {
        first = i;
        break;
      }
    }
    add(m, Severity::Warning, "invalid-state-bytes",
        str_cat(m.device, ": ", c.invalid, " state bytes are not ", kernel_version_name(m.layout),
                " states (0..", state_count(m.layout) - 1, "); the first is chunk ", first,
                " at byte ", m.geometry->state_byte_offset(first), " = ",
                hex(a.bytes[first], 2), "; the kernel forces a resync of such chunks"));
  }
  if (a.gap_not_filler || a.tail_not_filler) {
    add(m, Severity::Warning, "filler-damaged",
        str_cat(m.device, ": ", a.gap_not_filler + a.tail_not_filler,
                " filler bytes around the state bytes are not 0xff (the first at byte ",
                a.first_bad_filler_offset, "); mdadm writes 0xff there"));
  }
  if (m.md.sb.level == 1 && m.md.sb.resync_offset != kMaxSector) {
    add(m, Severity::Info, "unclean-shutdown",
        str_cat(m.device, ": the array was not stopped cleanly (md superblock active). On Linux "
                "7.2 the bitmap can miss chunks written by concurrent writers just before a crash "
                "(the unplug race, docs/findings/unplug-race.md), and md's check skips Unwritten "
                "chunks: llbitmap-resync --verify compares every chunk of the mirrors"));
  }
  if (c.count(State::Dirty)) {
    add(m, Severity::Info, "dirty-on-disk",
        str_cat(m.device, ": ", c.count(State::Dirty),
                " chunks are Dirty on disk; a running kernel may already count them Clean: "
                "the daemon clears Dirty in memory only and writes it at stop, failure or flush"));
  }
}

void load_lockless(Member& m, BlockDevice& dev, LayoutChoice choice) {
  choose_layout(m, dev, choice);
  m.verdict = validate_llbitmap(*m.bitmap, m.md.sb, m.md.minor_version, m.layout, m.device,
                                m.bitmap_offset_bytes);
  for (const BitmapFinding& f : m.verdict->findings) {
    Severity sev = bitmap_check_refuses(f.check) ? Severity::Error : Severity::Warning;
    add(m, sev, "bitmap-" + lower_kebab(bitmap_check_name(f.check)), f.message);
  }
  if (m.verdict->first_use) {
    m.geometry = first_use_geometry(m.md.sb, m.md.offset_bytes, m.bitmap->sectors_reserved,
                                    m.layout);
  } else {
    auto g = geometry_from_superblocks(m.md.sb, m.md.offset_bytes, *m.bitmap, m.layout, m.device);
    if (!g.ok()) return;  // already a finding (ChunksizeNotPowerOfTwo)
    m.geometry = *g;
  }
  if (m.geometry->chunks > (std::uint64_t{1} << 32)) {
    add(m, Severity::Error, "too-many-chunks",
        str_cat(m.device, ": bitmap superblock chunksize ", m.geometry->chunksize_sectors,
                " sectors gives ", m.geometry->chunks, " chunks, expected at most 2^32"));
    m.geometry.reset();
    return;
  }
  check_placement(m);
  auto area = read_state_area(dev, *m.geometry);
  if (!area.ok()) {
    add(m, Severity::Error, "state-area-unreadable", area.status().message());
    return;
  }
  m.states = std::move(area).value();
  check_states(m);
  check_bblog_overlap(m);
}

}  // namespace

std::optional<LayoutChoice> parse_layout_choice(std::string_view s) {
  if (s == "upstream") return LayoutChoice::Upstream;
  if (s == "rfc") return LayoutChoice::Rfc;
  if (s == "auto") return LayoutChoice::Auto;
  return std::nullopt;
}

LayoutChoice layout_of(KernelVersion v) {
  return v == KernelVersion::Upstream ? LayoutChoice::Upstream : LayoutChoice::Rfc;
}

bool usable_mirror(const Member& m) {
  return m.md_verdict.accepted() && m.member_class.readable_mirror();
}

bool llbitmap_usable(const Member& m) {
  return m.has_bitmap && m.lockless && m.verdict && m.verdict->loadable && !m.verdict->first_use &&
         m.geometry && m.states;
}

Result<Member> load_member(BlockDevice& dev, LayoutChoice layout) {
  Member m;
  m.device = dev.name();
  m.kind = dev.kind();
  m.size_bytes = dev.size_bytes();
  m.logical_block_size = dev.logical_block_size();
  std::vector<Status> others;
  auto loc = locate_md_superblock(dev, &others);
  if (!loc.ok()) return loc.status();
  m.md = std::move(loc).value();
  check_md(m, dev, others);
  m.io_size_bytes = m.md.sb.logical_block_size ? m.md.sb.logical_block_size : m.logical_block_size;

  m.has_bitmap = m.md.sb.feature_map & kFeatureBitmapOffset;
  if (!m.has_bitmap) {
    add(m, Severity::Info, "no-bitmap",
        str_cat(m.device, ": md superblock feature_map ", hex(m.md.sb.feature_map),
                " has no internal bitmap (bitmap-offset bit clear)"));
    return m;
  }
  m.bitmap_offset_bytes = static_cast<std::uint64_t>(
      static_cast<std::int64_t>(m.md.offset_bytes) + std::int64_t{m.md.sb.bitmap_offset} * 512);
  if (m.bitmap_offset_bytes + kBitmapSbBytes > m.size_bytes) {
    add(m, Severity::Error, "bitmap-outside-device",
        str_cat(m.device, ": md superblock field bitmap_offset is ", m.md.sb.bitmap_offset,
                " sectors, which puts the bitmap at byte ", m.bitmap_offset_bytes,
                ", expected inside the device (", m.size_bytes, " bytes)"));
    return m;
  }
  auto raw = read_bytes(dev, m.bitmap_offset_bytes, kBitmapSbBytes);
  if (!raw.ok()) return raw.status();
  auto bsb = decode_bitmap_superblock(*raw, {m.device, m.bitmap_offset_bytes, "bitmap superblock"});
  if (!bsb.ok()) {
    add(m, Severity::Error, "bitmap-bad-magic", bsb.status().message());
    return m;
  }
  m.bitmap = std::move(bsb).value();
  m.lockless = m.bitmap->version == kBitmapMajorLockless;
  if (m.lockless) {
    load_lockless(m, dev, layout);
  } else if (m.bitmap->version >= kBitmapMajorHostEndian &&
             m.bitmap->version <= kBitmapMajorClustered) {
    add(m, Severity::Info, "classic-bitmap",
        str_cat(m.device, ": classic write-intent bitmap, version ", m.bitmap->version));
    auto c = read_classic_bitmap(dev, m.bitmap_offset_bytes, *m.bitmap);
    if (c.ok()) {
      m.classic = *c;
    } else {
      add(m, Severity::Error, "classic-bitmap-unreadable", c.status().message());
    }
  } else if (lbs4k_infected(*m.bitmap)) {
    add(m, Severity::Error, "bitmap-superblock-infected",
        str_cat(m.device, ": bitmap superblock at byte ", m.bitmap_offset_bytes,
                ": field version is 0x02020206, expected 6: the lockless superblock with its zero "
                "bytes turned into 2 (Dirty). Linux 7.2's llbitmap marks a whole logical block "
                "Dirty after two writes in it, and with ", m.array_logical_block_size(),
                "-byte logical blocks state block 0 also holds this superblock; the kernel now "
                "refuses the bitmap ('unknown bitmap version 33686022') and the array does not "
                "assemble. llbitmap-repair restores the superblock, but ", kLbs4kWayOut));
  } else {
    add(m, Severity::Error, "bitmap-bad-version",
        field_error(Code::BadVersion, {m.device, m.bitmap_offset_bytes, "bitmap superblock"},
                    "version", std::to_string(m.bitmap->version), "3, 4, 5 or 6")
            .message());
  }
  return m;
}

}  // namespace llb
