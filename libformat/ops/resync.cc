#include "libformat/ops/resync.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "libformat/ops/assembly.h"
#include "libformat/io/device_identity.h"
#include "libformat/codec/endian.h"
#include "libformat/codec/llbitmap_transitions.h"

namespace llb {
namespace {

constexpr std::uint32_t kNoBitmapUnitSectors = 128;  // 64 KiB units without a bitmap


bool unwritten_variant(std::uint8_t s) {
  return s == static_cast<std::uint8_t>(State::NeedSyncUnwritten) ||
         s == static_cast<std::uint8_t>(State::SyncingUnwritten);
}

// Source and targets, after the checks every offline pass needs.
struct Roles {
  std::size_t source = 0;
  std::vector<std::size_t> targets;
};

// What the pass will do with the members: write to them (resync), or only read them (verify).
enum class Purpose { Write, Compare };

Result<Roles> choose_roles(const MemberSet& set, const std::string& source_path, Purpose purpose) {
  const ArrayView& view = set.view();
  const Member& first = *view.members.front();
  LLB_RETURN_IF_ERROR(set.check_distinct_members());
  if (first.md.sb.level != 1) {
    return Status(Code::Unsupported,
                  str_cat(first.device, ": md superblock field level is ", first.md.sb.level,
                          " (", md_level_name(first.md.sb.level),
                          "), expected 1: offline resync handles RAID1 mirrors only"));
  }
  // A member the kernel would refuse is nobody's mirror: copying to or from it, or rewriting its
  // superblock with a fresh checksum, would make its damage read as valid.
  for (std::size_t i = 0; i < set.size(); ++i) {
    const Member& m = set.at(i).member;
    if (!m.md_verdict.accepted() && purpose == Purpose::Write) {
      return Status(Code::BadField,
                    m.md_verdict.findings.front().message +
                        "; a member the kernel refuses is neither a source nor a target (see "
                        "llbitmap-repair)");
    }
  }
  for (std::size_t vi : view.lagging) {
    const Member& m = *view.members[vi];
    return Status(Code::Stale,
                  str_cat(m.device, ": md events ", m.md.sb.events, " lag the array's ",
                          view.max_events, ": it is not an in-sync mirror; leave it out and "
                          "re-add it with mdadm after assembly (the kernel recovers it)"));
  }
  for (std::size_t i = 0; i < set.size(); ++i) {
    const Member& m = set.at(i).member;
    const MemberClass& mc = m.member_class;
    if (mc.state == RdevState::InSync) continue;
    if (mc.state == RdevState::Recovering || mc.state == RdevState::Replacement) {
      return Status(Code::Unsupported,
                    mc.why + ": it is not an in-sync mirror, never a source; the kernel finishes "
                             "its rebuild after assembly (recovery is the kernel's job)");
    }
    return Status(Code::Unsupported,
                  str_cat(set.at(i).path, ": ", rdev_state_name(mc.state),
                          " is not an active mirror; leave it out"));
  }
  if (view.degraded) {
    return Status(Code::Unsupported,
                  "the array is degraded (a role has no in-sync member): clearing bitmap bits "
                  "now would lose what a re-added member needs; recovery is the kernel's job");
  }
  // Every role must be among the members given: chunks marked Clean must be in sync on all.
  const std::uint32_t raid_disks = first.md.sb.raid_disks;
  if (set.size() > raid_disks) {
    return Status(Code::InvalidArgument,
                  str_cat(set.size(), " members given for an array of ", raid_disks,
                          " raid devices"));
  }
  for (std::uint32_t role = 0; role < raid_disks; ++role) {
    bool have = false;
    for (std::size_t i = 0; i < set.size(); ++i) have = have || set.at(i).member.md.sb.role() == role;
    if (!have) {
      return Status(Code::InvalidArgument,
                    str_cat("no member given holds role ", role, " of ", raid_disks,
                            ": give every member of the array (marking chunks Clean on some "
                            "mirrors only would hide differences on the others)"));
    }
  }
  Roles r;
  if (source_path.empty()) {
    // The bitmap's member, unless it is write-mostly and another mirror is not: md's resync
    // reads from a mirror that is not write-mostly when it has one.
    r.source = set.index_of_view_member(view.bitmap_source);
    if (set.at(r.source).member.member_class.write_mostly) {
      for (std::size_t vi = 0; vi < view.members.size(); ++vi) {
        const std::size_t i = set.index_of_view_member(vi);
        if (!set.at(i).member.member_class.write_mostly) {
          r.source = i;
          break;
        }
      }
    }
  } else {
    r.source = set.size();
    auto want = identify_device(source_path);
    for (std::size_t i = 0; want.ok() && i < set.size(); ++i) {
      auto id = identify_device(set.at(i).path);
      if (id.ok() && same_device(*id, *want)) r.source = i;
    }
    if (r.source == set.size()) {
      return Status(Code::InvalidArgument,
                    str_cat("--source ", source_path, " is not one of the members given"));
    }
  }
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (i != r.source) r.targets.push_back(i);
  }
  return r;
}

Status check_data_fits(const Member& m, std::uint64_t sectors) {
  const std::uint64_t end = (m.md.sb.data_offset + sectors) * 512;
  if (end > m.size_bytes) {
    return Status(Code::BadField,
                  str_cat(m.device, ": data_offset ", m.md.sb.data_offset, " + ", sectors,
                          " sectors ends at byte ", end, ", past the device's ", m.size_bytes,
                          " bytes"));
  }
  return Status();
}

// Copies or compares data in io-sized pieces, paced to max_rate, reporting progress.
class Pacer {
 public:
  Pacer(const ResyncOptions& o, std::string action, std::uint64_t total)
      : o_(o), start_(std::chrono::steady_clock::now()) {
    p_.action = std::move(action);
    p_.total_bytes = total;
  }
  void advance(std::uint64_t bytes) {
    p_.done_bytes += bytes;
    const double el = elapsed();
    if (o_.max_rate_kib) {
      const double due = static_cast<double>(p_.done_bytes) / 1024.0 /
                         static_cast<double>(o_.max_rate_kib);
      if (due > el) std::this_thread::sleep_for(std::chrono::duration<double>(due - el));
    }
    p_.elapsed_seconds = elapsed();
    if (o_.on_progress) o_.on_progress(p_);
  }

 private:
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  const ResyncOptions& o_;
  Progress p_;
  std::chrono::steady_clock::time_point start_;
};

// Writes bytes [first, last] of `states` (indexed by chunk) to the member's state area.
Status write_states(OpenMember& om, const Geometry& g, const std::vector<std::uint8_t>& states,
                    std::uint64_t first, std::uint64_t last) {
  return om.dev->write_at(g.state_byte_offset(first),
                          std::span<const std::uint8_t>(states.data() + first, last - first + 1));
}

}  // namespace

Result<ResyncPlan> plan_resync(const MemberSet& set, const ResyncOptions& options) {
  auto roles = choose_roles(set, options.source, Purpose::Write);
  if (!roles.ok()) return roles.status();
  ResyncPlan plan;
  plan.source = roles->source;
  plan.targets = roles->targets;
  const Member& src = set.at(plan.source).member;

  bool all_usable = true;
  std::string unusable;
  for (std::size_t i = 0; i < set.size(); ++i) {
    const Member& m = set.at(i).member;
    if (llbitmap_usable(m) && m.geometry->chunks == src.geometry.value_or(Geometry{}).chunks &&
        m.layout == src.layout) {
      continue;
    }
    all_usable = false;
    if (unusable.empty()) {
      if (!m.has_bitmap) {
        unusable = str_cat(m.device, " has no internal bitmap");
      } else if (!m.lockless) {
        unusable = str_cat(m.device, " has no lockless bitmap");
      } else if (m.verdict && m.verdict->first_use) {
        unusable = str_cat(m.device, "'s bitmap is mdadm's create-time placeholder (FIRST_USE): "
                                     "the kernel initialises it at the first assembly");
      } else if (m.verdict && !m.verdict->loadable) {
        unusable = str_cat(m.device, "'s bitmap would be refused by the kernel (see "
                                     "llbitmap-examine; llbitmap-repair fixes it)");
      } else {
        unusable = str_cat(m.device, "'s bitmap differs in geometry or layout from ", src.device,
                           "'s");
      }
    }
  }
  if (!all_usable && !options.full) {
    return Status(Code::Unsupported,
                  unusable + ": a bitmap-driven resync cannot trust it; run llbitmap-repair, or "
                             "use --full to copy every chunk");
  }
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (set.at(i).member.md.sb.resync_offset != kMaxSector) plan.mark_md_clean = true;
  }

  if (!all_usable) {
    plan.mode = ResyncMode::FullNoBitmap;
    plan.resync_sectors = resync_max_sectors(src.md.sb);
    plan.unit_sectors = kNoBitmapUnitSectors;
    plan.notes.push_back(unusable + ": copying everything and leaving the bitmap alone");
  } else {
    plan.mode = options.full ? ResyncMode::FullWithBitmap : ResyncMode::Bitmap;
    plan.version = src.layout;
    plan.resync_sectors = src.geometry->resync_sectors;
    plan.unit_sectors = src.geometry->chunksize_sectors;
  }
  for (std::size_t i = 0; i < set.size(); ++i) {
    LLB_RETURN_IF_ERROR(check_data_fits(set.at(i).member, plan.resync_sectors));
  }
  const std::uint64_t units =
      (plan.resync_sectors + plan.unit_sectors - 1) / plan.unit_sectors;
  plan.chunk_count_total = units;
  plan.full_bytes = plan.resync_sectors * 512;
  auto unit_bytes = [&](std::uint64_t c) {
    const std::uint64_t start = c * plan.unit_sectors;
    return std::min<std::uint64_t>(plan.unit_sectors, plan.resync_sectors - start) * 512;
  };

  if (plan.mode == ResyncMode::FullNoBitmap) {
    for (std::uint64_t c = 0; c < units; ++c) {
      plan.chunks.push_back(c);
      plan.mark.push_back(false);
      plan.final_state.push_back(0);
      plan.bytes += unit_bytes(c);
    }
    return plan;
  }

  // The states each member's bitmap holds once the kernel has loaded it.
  std::vector<std::vector<std::uint8_t>> loaded;
  for (std::size_t i = 0; i < set.size(); ++i) {
    const Member& m = set.at(i).member;
    std::vector<std::uint8_t> s = m.states->bytes;
    apply_load(m.layout, m.verdict->stale, s);
    if (m.verdict->stale) {
      plan.fix_bitmap_events = true;
      plan.notes.push_back(str_cat(m.device, ": bitmap events ", m.bitmap->events,
                                   " are behind md events ", m.md.sb.events,
                                   ": the Stale action flags every written chunk"));
    }
    loaded.push_back(std::move(s));
  }
  std::uint64_t disagree = 0;
  for (std::uint64_t c = 0; c < units; ++c) {
    bool flagged = false, unwritten_only = true, differ = false;
    for (const auto& s : loaded) {
      const std::uint8_t b = s[c];
      differ = differ || b != loaded.front()[c];
      if (b == static_cast<std::uint8_t>(State::NeedSync) ||
          b == static_cast<std::uint8_t>(State::Syncing)) {
        flagged = true;
        unwritten_only = false;
      } else if (unwritten_variant(b)) {
        flagged = true;
      }
    }
    if (differ && !flagged) {
      // Members disagree without flagging it (for example Clean against Unwritten): resync it.
      flagged = true;
      unwritten_only = false;
      ++disagree;
    }
    const std::uint8_t src_state = loaded[plan.source][c];
    if (flagged) {
      plan.chunks.push_back(c);
      plan.mark.push_back(true);
      plan.final_state.push_back(static_cast<std::uint8_t>(
          unwritten_only ? State::CleanUnwritten : State::Clean));
      plan.bytes += unit_bytes(c);
    } else if (plan.mode == ResyncMode::FullWithBitmap) {
      // Copied, but its state (Clean, Unwritten, ...) stays what it is.
      plan.chunks.push_back(c);
      plan.mark.push_back(false);
      plan.final_state.push_back(src_state);
      plan.bytes += unit_bytes(c);
    }
  }
  if (disagree) {
    plan.notes.push_back(str_cat(disagree, " chunks have different unflagged states on different "
                                           "members; they are resynced too"));
  }
  return plan;
}

Status run_resync(MemberSet& set, const ResyncPlan& plan, const ResyncOptions& options) {
  const std::uint64_t io = std::max<std::uint64_t>(options.io_bytes, 4096);
  const bool bitmap = plan.mode != ResyncMode::FullNoBitmap;
  const std::uint64_t window_chunks =
      std::max<std::uint64_t>(1, options.window_bytes / (std::uint64_t{plan.unit_sectors} * 512));
  // The raw state bytes of every member, kept current as we write them.
  std::vector<std::vector<std::uint8_t>> cur(set.size());
  std::vector<Geometry> geo(set.size());
  if (bitmap) {
    for (std::size_t i = 0; i < set.size(); ++i) {
      cur[i] = set.at(i).member.states->bytes;
      geo[i] = *set.at(i).member.geometry;
    }
  }
  const std::uint8_t syncing = static_cast<std::uint8_t>(State::Syncing);
  const std::uint8_t syncing_unwritten = static_cast<std::uint8_t>(State::SyncingUnwritten);

  // Marks the window's chunks on every member, then flushes them all.
  auto mark_window = [&](std::size_t from, std::size_t to, bool final_pass) -> Status {
    std::uint64_t lo = ~std::uint64_t{0}, hi = 0;
    for (std::size_t k = from; k < to; ++k) {
      if (!plan.mark[k]) continue;
      const std::uint64_t c = plan.chunks[k];
      const std::uint8_t v = final_pass ? plan.final_state[k]
                             : plan.final_state[k] == static_cast<std::uint8_t>(State::CleanUnwritten)
                                 ? syncing_unwritten
                                 : syncing;
      for (auto& s : cur) s[c] = v;
      lo = std::min(lo, c);
      hi = std::max(hi, c);
    }
    if (lo > hi) return Status();
    for (std::size_t i = 0; i < set.size(); ++i) {
      LLB_RETURN_IF_ERROR(write_states(set.at(i), geo[i], cur[i], lo, hi));
    }
    for (std::size_t i = 0; i < set.size(); ++i) LLB_RETURN_IF_ERROR(set.at(i).dev->flush());
    return Status();
  };

  Pacer pacer(options, "resync", plan.bytes);
  std::vector<std::uint8_t> buf(io);
  BlockDevice& src = *set.at(plan.source).dev;
  const std::uint64_t src_data = set.at(plan.source).member.md.sb.data_offset * 512;
  for (std::size_t w = 0; w < plan.chunks.size(); w += window_chunks) {
    const std::size_t end = std::min<std::size_t>(plan.chunks.size(), w + window_chunks);
    if (bitmap) LLB_RETURN_IF_ERROR(mark_window(w, end, false));
    // Copy runs of consecutive chunks in io-sized pieces.
    std::size_t k = w;
    while (k < end) {
      std::size_t e = k + 1;
      while (e < end && plan.chunks[e] == plan.chunks[e - 1] + 1) ++e;
      const std::uint64_t first_sector = plan.chunks[k] * plan.unit_sectors;
      const std::uint64_t last_sector =
          std::min<std::uint64_t>((plan.chunks[e - 1] + 1) * plan.unit_sectors,
                                  plan.resync_sectors);
      for (std::uint64_t off = first_sector * 512; off < last_sector * 512; off += io) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(io, last_sector * 512 - off));
        std::span<std::uint8_t> b(buf.data(), n);
        LLB_RETURN_IF_ERROR(src.read_at(src_data + off, b));
        for (std::size_t t : plan.targets) {
          const std::uint64_t data = set.at(t).member.md.sb.data_offset * 512;
          LLB_RETURN_IF_ERROR(set.at(t).dev->write_at(data + off, b));
        }
        pacer.advance(n);
      }
      k = e;
    }
    for (std::size_t t : plan.targets) LLB_RETURN_IF_ERROR(set.at(t).dev->flush());
    if (bitmap) LLB_RETURN_IF_ERROR(mark_window(w, end, true));
  }

  // A stale bitmap catches up with the md events now that every flagged chunk is in sync.
  if (bitmap && plan.fix_bitmap_events) {
    for (std::size_t i = 0; i < set.size(); ++i) {
      const Member& m = set.at(i).member;
      if (m.bitmap->events >= m.md.sb.events) continue;
      std::uint8_t b[8];
      store_le64(b, m.md.sb.events);
      LLB_RETURN_IF_ERROR(set.at(i).dev->write_at(m.bitmap_offset_bytes + bmsb::kEvents, b));
      LLB_RETURN_IF_ERROR(set.at(i).dev->flush());
    }
  }
  // Finally the md superblocks say the array is clean, as md_do_sync's end does.
  if (plan.mark_md_clean) {
    for (std::size_t i = 0; i < set.size(); ++i) {
      const Member& m = set.at(i).member;
      if (m.md.sb.resync_offset == kMaxSector) continue;
      auto raw = read_bytes(*set.at(i).dev, m.md.offset_bytes, m.md.sb.checksummed_bytes());
      if (!raw.ok()) return raw.status();
      std::vector<std::uint8_t> sb = std::move(raw).value();
      store_le64(sb.data() + mdsb::kResyncOffset, kMaxSector);
      store_le32(sb.data() + mdsb::kSbCsum, md_sb_checksum_bytes(sb, m.md.sb.max_dev));
      LLB_RETURN_IF_ERROR(set.at(i).dev->write_at(m.md.offset_bytes, sb));
      LLB_RETURN_IF_ERROR(set.at(i).dev->flush());
    }
  }
  return Status();
}

Result<VerifyReport> verify_mirrors(MemberSet& set, const ResyncOptions& options) {
  auto roles = choose_roles(set, options.source, Purpose::Compare);
  if (!roles.ok()) return roles.status();
  const Member& src = set.at(roles->source).member;
  VerifyReport r;
  // The comparison needs no bitmap: its chunks only group the differences when the bitmap loads.
  std::uint64_t sectors = resync_max_sectors(src.md.sb);
  r.unit_sectors = kNoBitmapUnitSectors;
  if (llbitmap_usable(src)) {
    sectors = src.geometry->resync_sectors;
    r.unit_sectors = src.geometry->chunksize_sectors;
  }
  for (std::size_t i = 0; i < set.size(); ++i) {
    LLB_RETURN_IF_ERROR(check_data_fits(set.at(i).member, sectors));
  }
  const std::uint64_t unit = std::uint64_t{r.unit_sectors} * 512;
  const std::uint64_t total = sectors * 512;
  // Reads go in io-sized pieces whatever the unit: a chunk may be larger than memory allows.
  const std::uint64_t io = std::clamp<std::uint64_t>(options.io_bytes, 4096, 64u << 20);
  Pacer pacer(options, "check", total * roles->targets.size());
  std::vector<std::uint8_t> a(static_cast<std::size_t>(std::min(io, total))),
      b(static_cast<std::size_t>(std::min(io, total)));
  std::vector<std::uint64_t> mismatched;
  const std::uint64_t src_data = src.md.sb.data_offset * 512;
  for (std::uint64_t c = 0; c * unit < total; ++c) {
    const std::uint64_t unit_end = std::min(total, (c + 1) * unit);
    bool bad = false;
    for (std::uint64_t off = c * unit; off < unit_end; off += io) {
      const std::size_t n = static_cast<std::size_t>(std::min(io, unit_end - off));
      LLB_RETURN_IF_ERROR(
          set.at(roles->source).dev->read_at(src_data + off, std::span(a.data(), n)));
      for (std::size_t t : roles->targets) {
        const std::uint64_t data = set.at(t).member.md.sb.data_offset * 512;
        LLB_RETURN_IF_ERROR(set.at(t).dev->read_at(data + off, std::span(b.data(), n)));
        if (std::memcmp(a.data(), b.data(), n) != 0) {
          bad = true;
          for (std::size_t s = 0; s < n; s += 512) {
            if (std::memcmp(a.data() + s, b.data() + s, std::min<std::size_t>(512, n - s)) != 0) {
              ++r.mismatch_sectors;
            }
          }
        }
        r.bytes_compared += n;
        pacer.advance(n);
      }
    }
    ++r.units_compared;
    if (bad) mismatched.push_back(c);
  }
  r.mismatched_units = mismatched.size();
  r.runs = index_runs(mismatched);
  return r;
}

}  // namespace llb
