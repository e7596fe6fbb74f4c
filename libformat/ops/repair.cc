#include "libformat/ops/repair.h"
#include "libformat/ops/repair_bblog.h"

#include <algorithm>
#include <set>

#include "libformat/codec/endian.h"
#include "libformat/codec/kernel_profile.h"
#include "libformat/codec/llbitmap_transitions.h"

namespace llb {
namespace {

constexpr std::uint8_t kNeedSync = static_cast<std::uint8_t>(State::NeedSync);

// What a fresh member's bitmap should become.
struct Target {
  bool valid = false;
  BitmapSuperblock bsb;
  Geometry g;
  std::vector<std::uint8_t> states;
  std::vector<std::uint8_t> disk_states;  // what the device holds at g's state offsets now
};

// Finding codes the planner acts on itself; any other error is reported as left uncorrected.
const std::set<std::string>& handled_codes() {
  static const std::set<std::string> s = {
      "md-checksum-mismatch", "invalid-state-bytes", "filler-damaged", "bitmap-stale",
      "bitmap-bad-magic", "bitmap-bad-version", "bitmap-superblock-infected", "bitmap-uuid-mismatch",
      "bitmap-chunksize-not-power-of-two", "bitmap-chunksize-too-small",
      "bitmap-daemon-sleep-out-of-range", "bitmap-first-use", "bitmap-write-behind",
      "dirty-on-disk", "too-many-chunks", "state-area-unreadable", "bblog-overlap",
      "bblog-over-states", "states-over-bblog"};
  return s;
}


// Runs of indices where a and b differ, merged when closer than `gap` bytes.
std::vector<std::pair<std::uint64_t, std::uint64_t>> differing_ranges(
    const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b, std::uint64_t gap) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;  // [first, last]
  for (std::uint64_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    if (!out.empty() && i - out.back().second <= gap) {
      out.back().second = i;
    } else {
      out.push_back({i, i});
    }
  }
  return out;
}

void add_range_changes(std::vector<ByteChange>& changes, std::size_t member, std::uint64_t base,
                       const std::vector<std::uint8_t>& old_b, const std::vector<std::uint8_t>& new_b,
                       int order, const std::string& what, bool chunk_names) {
  for (auto [first, last] : differing_ranges(old_b, new_b, 16)) {
    ByteChange c;
    c.member = member;
    c.offset_bytes = base + first;
    c.old_bytes.assign(old_b.begin() + static_cast<std::ptrdiff_t>(first),
                       old_b.begin() + static_cast<std::ptrdiff_t>(last + 1));
    c.new_bytes.assign(new_b.begin() + static_cast<std::ptrdiff_t>(first),
                       new_b.begin() + static_cast<std::ptrdiff_t>(last + 1));
    c.what = chunk_names ? str_cat(what, ", chunks ", first, first == last ? "" : "-",
                                   first == last ? "" : std::to_string(last))
                         : what;
    c.order = order;
    changes.push_back(std::move(c));
  }
}

bool constant_fields_agree(const MdSuperblock& a, const MdSuperblock& b) {
  return a.set_uuid == b.set_uuid && a.level == b.level && a.layout == b.layout &&
         a.size == b.size && a.chunksize == b.chunksize && a.raid_disks == b.raid_disks &&
         a.set_name == b.set_name && a.ctime == b.ctime;
}

// A bitmap superblock as the kernel would have written it for this array, from the md
// superblock alone.
Target rebuild_from_md(const Member& m, KernelVersion layout) {
  Target t;
  t.g = first_use_geometry(m.md.sb, m.md.offset_bytes, kDefaultSectorsReserved, layout);
  // An md size no bitmap can cover (its chunks past the reserved area even at the largest chunk
  // size) is damage in the md superblock: nothing is rebuilt, and nothing allocated for it.
  if (t.g.state_area_end_bytes() > t.g.reserved_bytes) return t;
  t.bsb.magic = kBitmapMagic;
  t.bsb.version = kBitmapMajorLockless;
  t.bsb.uuid = m.md.sb.set_uuid;
  t.bsb.events = m.md.sb.events;
  t.bsb.events_cleared = 0;
  t.bsb.sync_size = t.g.resync_sectors;
  t.bsb.state = 0;
  t.bsb.chunksize = t.g.chunksize_sectors;
  t.bsb.daemon_sleep = kDefaultDaemonSleep;
  t.bsb.sectors_reserved = kDefaultSectorsReserved;
  t.states.assign(t.g.chunks, kNeedSync);
  t.valid = true;
  return t;
}

bool same_geometry(const Geometry& a, const Geometry& b) {
  return a.chunks == b.chunks && a.chunksize_sectors == b.chunksize_sectors;
}

// The bitmap the others are repaired from: a fresh member, in the kernel's order, whose bitmap
// loads and whose geometry is the array's. When the members' geometries disagree (one chunksize
// damaged into another power of two the kernel would still take), the array's is the one
// llbitmap_init chooses for this array, else the one most members share: a single damaged field
// must not make its member the model for the rest.
const Member* reference_bitmap(const ArrayView& view) {
  std::vector<const Member*> usable;
  for (std::size_t vi : view.fresh) {
    if (llbitmap_usable(*view.members[vi]) && usable_mirror(*view.members[vi])) {
      usable.push_back(view.members[vi]);
    }
  }
  if (usable.empty()) {
    for (std::size_t vi : view.fresh) {
      if (llbitmap_usable(*view.members[vi])) usable.push_back(view.members[vi]);
    }
  }
  if (usable.empty()) return nullptr;
  const Member* best = usable.front();
  std::size_t best_votes = 0;
  bool best_initial = false;
  for (const Member* m : usable) {
    const Geometry& g = *m->geometry;
    std::size_t votes = 0;
    for (const Member* o : usable) votes += same_geometry(g, *o->geometry) ? 1 : 0;
    const bool initial =
        g.chunksize_sectors ==
        initial_chunksize_sectors(g.resync_sectors,
                                  bitmap_space_sectors(m->md.sb, m->md.minor_version, *m->bitmap));
    if ((initial && !best_initial) || (initial == best_initial && votes > best_votes)) {
      best = m;
      best_votes = votes;
      best_initial = initial;
    }
  }
  return best;
}

// Why a change lies outside the metadata repair may write on this member (its md superblock, and
// the bitmap area `g` names for the array's layout, short of the data and of a bad-block log that
// holds entries), or an empty string when it lies inside.
std::string outside_metadata(const Member& m, const Geometry* g, const ByteChange& c,
                             const BblogRepair& bb) {
  const std::uint64_t begin = c.offset_bytes, end = c.offset_bytes + c.new_bytes.size();
  const std::uint64_t md_end = m.md.offset_bytes + kMdSbMaxBytes;
  if (begin >= m.md.offset_bytes && end <= md_end) return {};
  // The log's page at the place the plan moves it to (checked against the data there).
  if (bb.new_log_end > bb.new_log_begin && begin >= bb.new_log_begin && end <= bb.new_log_end &&
      c.order == kOrderBadBlockLog) {
    const std::uint64_t data = m.md.sb.data_offset * 512;
    if (data > m.md.offset_bytes && end > data) {
      return str_cat("reaches the data, which starts at byte ", data);
    }
    return {};
  }
  if (!g) return "is not in the md superblock and the member has no bitmap geometry";
  const std::uint64_t area_begin = g->bitmap_offset_bytes;
  const std::uint64_t area_end = g->bitmap_offset_bytes + g->state_area_end_bytes();
  if (begin < area_begin || end > area_end) {
    return str_cat("is outside the bitmap area of the ", kernel_version_name(g->version),
                   " layout (bytes ", area_begin, "-", area_end - 1, ")");
  }
  const std::uint64_t data = m.md.sb.data_offset * 512;
  if (data > m.md.offset_bytes && end > data) {
    return str_cat("reaches the data, which starts at byte ", data);
  }
  if ((m.md.sb.feature_map & kFeatureBadBlocks) && !bb.log_moved) {
    if (auto bb_place = bad_block_log_place(m.md)) {
      if (begin < bb_place->offset_bytes + bb_place->size_bytes && bb_place->offset_bytes < end) {
        return str_cat("overlaps the bad-block log at bytes ", bb_place->offset_bytes, "-",
                       bb_place->offset_bytes + bb_place->size_bytes - 1, ", which holds entries");
      }
    }
  }
  return {};
}

}  // namespace

std::size_t RepairPlan::unfixable() const {
  return static_cast<std::size_t>(std::count_if(problems.begin(), problems.end(),
                                                [](const Problem& p) { return p.fix.empty(); }));
}

RepairPlan plan_repair(MemberSet& set, const RepairOptions& options) {
  RepairPlan plan;
  const ArrayView& view = set.view();
  const std::size_t n = set.size();
  // Two devices claiming one member: nothing can be repaired until the user says which is real.
  if (!view.conflicts.empty()) {
    for (const Finding& f : view.conflicts) {
      plan.problems.push_back({f.severity, f.code, f.message, ""});
    }
    plan.notes.push_back("nothing is repaired while two devices claim one member: give each "
                         "member of the array once (llbitmap-examine shows which is which)");
    return plan;
  }
  std::vector<bool> fresh(n, false);
  for (std::size_t vi : view.fresh) fresh[set.index_of_view_member(vi)] = true;
  for (std::size_t vi : view.lagging) {
    const Member& m = *view.members[vi];
    plan.notes.push_back(str_cat(m.device, ": md events ", m.md.sb.events, " lag the array's ",
                                 view.max_events, ": the kernel kicks it at assembly and rebuilds "
                                 "it from the fresh members' bitmap at re-add; its bitmap is left "
                                 "alone"));
  }

  // The bad-block log inside the state area (mdadm 4.6's layout).
  std::vector<BblogRepair> bblog(n);
  for (std::size_t i = 0; i < n; ++i) {
    plan_bblog_move(set.at(i).member, *set.at(i).dev, i, plan, bblog[i]);
  }

  // Findings the planner does not act on.
  for (std::size_t i = 0; i < n; ++i) {
    for (const Finding& f : set.at(i).member.findings) {
      if (handled_codes().count(f.code)) continue;
      // A log the plan moves: its collision and the entries the kernel refuses go with it.
      // A log the plan moves: the entries the kernel refuses go with it.
      if (bblog[i].log_moved && f.code == "md-bblog-entry-refused") continue;
      // A member the kernel will not read from is not consistent with the others until md has
      // rebuilt it: nothing repair may write changes that, and calling the array clean would lie.
      if (f.code == "member-recovering" || f.code == "member-replacement" ||
          f.code == "member-faulty") {
        plan.problems.push_back({f.severity, f.code, f.message, ""});
        continue;
      }
      if (f.severity == Severity::Error) {
        plan.problems.push_back({f.severity, f.code, f.message, ""});
      } else {
        plan.notes.push_back(f.message);
      }
    }
  }

  // md superblock checksums.
  for (std::size_t i = 0; i < n; ++i) {
    const Member& m = set.at(i).member;
    if (m.md.checksum_ok()) continue;
    const Member* peer = nullptr;
    for (std::size_t j = 0; j < n; ++j) {
      const Member& o = set.at(j).member;
      if (j != i && o.md.checksum_ok() && o.md.sb.set_uuid == m.md.sb.set_uuid) peer = &o;
    }
    const std::string msg = str_cat(m.device, ": md superblock at byte ", m.md.offset_bytes,
                                    ": field sb_csum is ", hex(m.md.sb.sb_csum, 8),
                                    ", expected ", hex(m.md.computed_csum, 8),
                                    " (computed over its bytes)");
    if (!m.md_verdict.only_checksum()) {
      std::string rules;
      for (const MdRuleFinding& f : m.md_verdict.findings) {
        if (f.rule == MdRule::ChecksumMismatch) continue;
        rules += std::string(rules.empty() ? "" : ", ") + std::string(md_rule_code(f.rule));
      }
      plan.problems.push_back({Severity::Error, "md-checksum-mismatch",
                               msg + str_cat("; the superblock also breaks ", rules,
                                             ": a fresh checksum would make that damage read as "
                                             "valid: not fixed"),
                               ""});
      continue;
    }
    if (peer && !constant_fields_agree(m.md.sb, peer->md.sb)) {
      plan.problems.push_back({Severity::Error, "md-checksum-mismatch",
                               msg + str_cat("; its array fields also disagree with ",
                                             peer->device, ", so the damage is not only the "
                                             "checksum: not fixed (compare with llbitmap-examine)"),
                               ""});
      continue;
    }
    ByteChange c;
    c.member = i;
    c.offset_bytes = m.md.offset_bytes + mdsb::kSbCsum;
    c.old_bytes.resize(4);
    store_le32(c.old_bytes.data(), m.md.sb.sb_csum);
    c.new_bytes.resize(4);
    store_le32(c.new_bytes.data(), m.md.computed_csum);
    c.what = "md superblock sb_csum";
    c.order = kOrderMdSb;
    plan.changes.push_back(std::move(c));
    plan.problems.push_back({Severity::Error, "md-checksum-mismatch", msg,
                             peer ? str_cat("rewrite sb_csum (the array fields agree with ",
                                            peer->device, ")")
                                  : "rewrite sb_csum (no other member to compare with)"});
  }

  const Member* ref = reference_bitmap(view);
  bool any_lockless = false;
  for (std::size_t i = 0; i < n; ++i) any_lockless = any_lockless || set.at(i).member.lockless;

  for (std::size_t i = 0; i < n; ++i) {
    const Member& m = set.at(i).member;
    if (m.bitmap && lbs4k_infected(*m.bitmap)) {
      plan.notes.push_back(str_cat(
          m.device, ": its bitmap superblock was overwritten by Linux 7.2's infection of state "
          "block 0 on ", m.array_logical_block_size(), "-byte logical blocks. Repair restores it "
          "(the array will not assemble after the next stop without it), but ", kLbs4kWayOut));
      break;
    }
  }

  std::vector<Target> targets(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Member& m = set.at(i).member;
    if (!fresh[i] || !m.has_bitmap) continue;
    if (!m.md_verdict.accepted() && !m.md_verdict.only_checksum() && !bblog[i].log_moved) {
      plan.notes.push_back(str_cat(m.device, ": the kernel refuses its md superblock (see the "
                                   "problems above): its bitmap is left alone"));
      continue;
    }
    if (m.lockless && m.verdict && m.verdict->first_use && m.verdict->loadable) {
      plan.notes.push_back(str_cat(m.device, ": the bitmap is mdadm's create-time placeholder "
                                   "(FIRST_USE", m.verdict->assume_clean ? ", --assume-clean" : "",
                                   "); the kernel initialises it at the next assembly: left as is"));
      continue;
    }
    // A classic bitmap is not ours to repair, unless a peer of the same array has an llbitmap:
    // one array has one kind of bitmap, so a version of 3 to 5 beside a 6 is a damaged field.
    const bool other_version = m.bitmap && m.bitmap->version != kBitmapMajorLockless &&
                               m.bitmap->version >= kBitmapMajorHostEndian &&
                               m.bitmap->version <= kBitmapMajorClustered;
    if (other_version && !(ref && !(m.md.sb.feature_map & kFeatureClustered))) continue;
    Target& t = targets[i];
    bool states_from_disk = false;
    std::string damaged;  // refusing findings of this member's bitmap superblock
    std::vector<std::string> codes;
    for (const Finding& f : m.findings) {
      if (f.severity == Severity::Error &&
          (f.code.rfind("bitmap-", 0) == 0 || f.code == "too-many-chunks" ||
           f.code == "state-area-unreadable")) {
        codes.push_back(f.code);
        damaged += (damaged.empty() ? "" : "; ") + f.message;
      }
    }
    const bool odd_geometry =
        llbitmap_usable(m) && ref && ref != &m && !same_geometry(*ref->geometry, *m.geometry);
    if (odd_geometry) {
      // Its superblock names another chunk size than the array's: its state bytes are still
      // where the array's geometry puts them, so it is rebuilt from the reference like a
      // damaged superblock, and its own bytes are read (and merged) at that geometry.
      t.valid = true;
      t.bsb = *ref->bitmap;
      t.g = *ref->geometry;
      t.g.bitmap_offset_bytes = m.bitmap_offset_bytes;
      states_from_disk = true;
      plan.problems.push_back(
          {Severity::Error, "bitmap-geometry-differs",
           str_cat(m.device, ": bitmap superblock at byte ", m.bitmap_offset_bytes,
                   ": field chunksize is ", m.bitmap->chunksize, " sectors (",
                   m.geometry->chunks, " chunks), expected ", ref->geometry->chunksize_sectors,
                   " like ", ref->device, " (", ref->geometry->chunks, " chunks)"),
           str_cat("rewrite the bitmap superblock from ", ref->device,
                   "'s; its state bytes are read at that geometry and merged with the others")});
    } else if (llbitmap_usable(m)) {
      t.valid = true;
      t.bsb = *m.bitmap;
      t.g = *m.geometry;
      t.states = m.states->bytes;
      t.disk_states = m.states->bytes;  // what load_member read at these offsets
    } else if (ref) {
      t.valid = true;
      t.bsb = *ref->bitmap;
      t.g = *ref->geometry;
      t.g.bitmap_offset_bytes = m.bitmap_offset_bytes;
      states_from_disk = true;  // this member's own bytes, at the peer's geometry
      if (other_version) {
        plan.problems.push_back(
            {Severity::Error, "bitmap-version-differs",
             str_cat(m.device, ": bitmap superblock at byte ", m.bitmap_offset_bytes,
                     ": field version is ", m.bitmap->version, ", expected ",
                     kBitmapMajorLockless, " like ", ref->device,
                     " (the md superblock has no md-cluster feature)"),
             str_cat("rewrite the bitmap superblock from ", ref->device,
                     "'s; its state bytes are merged with the others")});
      }
      for (const std::string& c : codes) {
        plan.problems.push_back({Severity::Error, c, damaged,
                                 str_cat("rewrite the bitmap superblock from ", ref->device,
                                         "'s; its state bytes are merged with the others")});
        break;
      }
    } else if (any_lockless || options.force_lockless ||
               (m.bitmap && (m.bitmap->version & 0xff) == kBitmapMajorLockless)) {
      t = rebuild_from_md(m, m.lockless ? m.layout : KernelVersion::Upstream);
      t.g.bitmap_offset_bytes = m.bitmap_offset_bytes;
      if (!t.valid) {
        plan.problems.push_back(
            {Severity::Error, "bitmap-unrebuildable",
             str_cat(m.device, ": md superblock field size is ", m.md.sb.size,
                     " sectors, expected at most what a bitmap of ", t.g.reserved_bytes,
                     " reserved bytes can cover (", t.g.chunks, " chunks of ",
                     t.g.chunksize_sectors, " sectors do not fit): the bitmap cannot be "
                     "rebuilt from this md superblock"),
             ""});
        continue;
      }
      plan.problems.push_back(
          {Severity::Error, codes.empty() ? "bitmap-unusable" : codes.front(),
           damaged.empty() ? str_cat(m.device, ": no fresh member has a usable bitmap") : damaged,
           str_cat("rebuild the bitmap superblock from the md superblock (chunksize ",
                   t.g.chunksize_sectors, " sectors as the kernel chooses, events ",
                   t.bsb.events, ") and mark all ", t.g.chunks,
                   " chunks NeedSync: nothing on disk says which chunks are in sync")});
    } else {
      plan.problems.push_back(
          {Severity::Error, codes.empty() ? "bitmap-unusable" : codes.front(),
           damaged + "; nothing shows this was a lockless bitmap (no member has version 6): not "
                     "fixed (--force-lockless rebuilds it as one)",
           ""});
      continue;
    }
    if (!t.valid) continue;
    if (t.disk_states.empty()) {
      auto disk = read_bytes(*set.at(i).dev, t.g.state_byte_offset(0), t.g.chunks);
      if (!disk.ok()) {
        plan.problems.push_back({Severity::Error, "state-area-unreadable", disk.status().message(), ""});
        t.valid = false;
        continue;
      }
      t.disk_states = std::move(disk).value();
    }
    if (states_from_disk) t.states = t.disk_states;
    const KernelVersion v = t.g.version;
    // Invalid bytes become NeedSync, as the kernel forces at load.
    std::uint64_t invalid = 0;
    for (std::uint8_t& b : t.states) {
      if (!is_valid_state(b, v)) {
        b = kNeedSync;
        ++invalid;
      }
    }
    if (invalid) {
      plan.problems.push_back({Severity::Warning, "invalid-state-bytes",
                               str_cat(m.device, ": ", invalid, " state bytes are not ",
                                       kernel_version_name(v), " states (0..",
                                       state_count(v) - 1, ")"),
                               "set them to NeedSync, as the kernel does at load"});
    }
    // Stale: the kernel's Stale action, then the bitmap catches up with the md events.
    if (t.bsb.events < m.md.sb.events) {
      std::uint64_t flagged = 0;
      for (std::uint8_t& b : t.states) {
        const std::uint8_t next = transition(v, static_cast<State>(b), Action::Stale);
        if (next != kBitNone && next != b) {
          b = next;
          ++flagged;
        }
      }
      plan.problems.push_back(
          {Severity::Warning, "bitmap-stale",
           str_cat(m.device, ": bitmap superblock at byte ", m.bitmap_offset_bytes,
                   ": field events is ", t.bsb.events, ", expected at least the md events ",
                   m.md.sb.events),
           str_cat("apply the kernel's Stale action (", flagged,
                   " chunks become NeedSync) and set events to ", m.md.sb.events)});
      t.bsb.events = m.md.sb.events;
    }
    if (t.bsb.write_behind != 0) {
      plan.problems.push_back({Severity::Warning, "bitmap-write-behind",
                               str_cat(m.device, ": bitmap superblock field write_behind is ",
                                       t.bsb.write_behind, ", expected 0 for llbitmap"),
                               "set write_behind to 0"});
      t.bsb.write_behind = 0;
    }
  }

  // Chunks whose states md's bad-block log destroyed on a member: NeedSync on every member.
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& [first, last] : bblog[i].lost) {
      for (Target& t : targets) {
        if (!t.valid) continue;
        for (std::uint64_t c = first; c <= last && c < t.states.size(); ++c) t.states[c] = kNeedSync;
      }
    }
  }

  // Members whose bitmaps disagree: any chunk they disagree on is resynced on all.
  {
    std::vector<std::size_t> merged;
    for (std::size_t i = 0; i < n; ++i) {
      if (targets[i].valid) merged.push_back(i);
    }
    if (merged.size() > 1) {
      const std::uint64_t chunks = targets[merged[0]].states.size();
      bool same_len = true;
      for (std::size_t i : merged) same_len = same_len && targets[i].states.size() == chunks;
      if (same_len) {
        std::uint64_t differ = 0;
        for (std::uint64_t c = 0; c < chunks; ++c) {
          const std::uint8_t first = targets[merged[0]].states[c];
          bool disagree = false;
          for (std::size_t i : merged) disagree = disagree || targets[i].states[c] != first;
          if (!disagree) continue;
          ++differ;
          for (std::size_t i : merged) targets[i].states[c] = kNeedSync;
        }
        if (differ) {
          plan.problems.push_back(
              {Severity::Warning, "bitmaps-disagree",
               str_cat(differ, " chunks have different states on the fresh members (",
                       set.at(merged[0]).member.device, " and ", merged.size() - 1,
                       " other); nobody can tell whether their mirrors match"),
               str_cat("mark those ", differ, " chunks NeedSync on every fresh member")});
        }
      }
    }
  }

  // Turn the targets into byte changes.
  for (std::size_t i = 0; i < n; ++i) {
    Target& t = targets[i];
    if (!t.valid) continue;
    add_range_changes(plan.changes, i, t.g.state_byte_offset(0), t.disk_states, t.states, kOrderStates,
                      "state bytes", true);
    std::vector<std::uint8_t> bsb_new(kBitmapSbBytes, 0);
    (void)encode_bitmap_superblock(t.bsb, bsb_new);
    auto bsb_old = read_bytes(*set.at(i).dev, t.g.bitmap_offset_bytes, kBitmapSbBytes);
    if (bsb_old.ok()) {
      add_range_changes(plan.changes, i, t.g.bitmap_offset_bytes, *bsb_old, bsb_new, kOrderBitmapSb,
                        "bitmap superblock", false);
    }
  }
  // Filler around the state bytes: 0xff, as mdadm wrote it (see is_filler_byte).
  for (std::size_t i = 0; i < n; ++i) {
    const Member& m = set.at(i).member;
    const Geometry* g = targets[i].valid ? &targets[i].g
                        : (llbitmap_usable(m) ? &*m.geometry : nullptr);
    if (!g) continue;
    std::uint64_t filler_bad = 0;
    auto check = [&](std::uint64_t from, std::uint64_t to) {
      if (to <= from) return;
      auto old_b = read_bytes(*set.at(i).dev, g->bitmap_offset_bytes + from, to - from);
      if (!old_b.ok()) return;
      std::vector<std::uint8_t> new_b(*old_b);
      std::uint64_t bad = 0;
      for (std::size_t k = 0; k < new_b.size(); ++k) {
        if (is_filler_byte(from + k, new_b[k])) continue;
        new_b[k] = 0xff;
        ++bad;
      }
      if (bad == 0) return;  // intact, the rule
      filler_bad += bad;
      add_range_changes(plan.changes, i, g->bitmap_offset_bytes + from, *old_b, new_b, kOrderFiller,
                        "filler", false);
    };
    check(kBitmapSbBytes, g->data_offset_bytes);
    if (kernel_profile(g->version).filler_after_states) {
      check(g->data_offset_bytes + g->chunks, g->state_area_end_bytes());
    }
    if (filler_bad) {
      plan.problems.push_back({Severity::Warning, "filler-damaged",
                               str_cat(m.device, ": ", filler_bad,
                                       " filler bytes around the state bytes are not 0xff"),
                               "write 0xff back"});
    }
  }
  // Last line of defence: every byte range lies where the array's layout puts metadata.
  for (const ByteChange& c : plan.changes) {
    const Member& m = set.at(c.member).member;
    const Geometry* g = targets[c.member].valid ? &targets[c.member].g
                        : m.geometry                ? &*m.geometry
                                                    : nullptr;
    const std::string why = outside_metadata(m, g, c, bblog[c.member]);
    if (why.empty()) continue;
    plan.problems.push_back({Severity::Error, "repair-outside-metadata",
                             str_cat(set.at(c.member).path, ": bytes ", c.offset_bytes, "-",
                                     c.offset_bytes + c.new_bytes.size() - 1, " (", c.what,
                                     ") ", why, ": the repair is not done"),
                             ""});
    plan.changes.clear();
    break;
  }
  std::stable_sort(plan.changes.begin(), plan.changes.end(),
                   [](const ByteChange& a, const ByteChange& b) { return a.order < b.order; });
  return plan;
}

std::vector<WriteTarget> repair_targets(MemberSet& set) {
  std::vector<WriteTarget> out;
  for (std::size_t i = 0; i < set.size(); ++i) {
    OpenMember& om = set.at(i);
    out.push_back({om.path, om.dev.get(), om.member.md.sb.set_uuid, om.member.md.sb.device_uuid});
  }
  return out;
}

std::string describe_change(const MemberSet& set, const ByteChange& c) {
  return describe_change(set.at(c.member).path, c);
}

}  // namespace llb
