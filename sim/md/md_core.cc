// md core (md.c): the superblock updates and events, safe mode, the md thread, md_error.

#include <algorithm>

#include "libformat/codec/bad_block_log.h"
#include "sim/md/md_array.h"
#include "sim/md/md_array_job.h"

namespace llb::sim {

bool MdArray::degraded() const {
  std::uint32_t in_sync = 0;
  for (const Rdev& r : rdevs_) {
    if (r.in_array && !r.faulty && r.in_sync) ++in_sync;
  }
  return in_sync < config_.members;
}

void MdArray::request_sb_update(bool force_change, bool clean_transition, JobId waiter) {
  md_.sb_force_change = md_.sb_force_change || force_change;
  md_.sb_clean_transition = md_.sb_clean_transition || clean_transition;
  if (waiter != kNoJob) park(waiter, md_.sb_waiters);
  if (md_.sb_update_running) {
    md_.sb_update_wanted = true;
    return;
  }
  start_sb_update();
}

void MdArray::start_sb_update() {
  md_.sb_update_running = true;
  md_.sb_update_wanted = false;
  resume(new_job(kSbUpdate, true));
}

void MdArray::encode_superblocks() {
  for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
    MdSuperblock& sb = md_.md_sbs[m];
    sb.events = md_.events;
    sb.utime = config_.ctime_seconds + now_ / kTicksPerSecond;
    sb.resync_offset = md_.in_sync ? md_.resync_offset : 0;
    sb.logical_block_size = config_.disk.logical_block_size;
    // super_1_sync: the bad-blocks feature says whether the log holds entries.
    if (rdevs_[m].badblocks.count()) {
      sb.feature_map |= kFeatureBadBlocks;
    } else {
      sb.feature_map &= ~std::uint32_t{kFeatureBadBlocks};
    }
    // super_1_sync: every slot spare, then each device the array holds: faulty or its role.
    std::fill(sb.dev_roles.begin(), sb.dev_roles.end(), kRoleSpare);
    for (const Rdev& r : rdevs_) {
      if (r.dev_number >= sb.dev_roles.size() || !r.in_array) continue;
      sb.dev_roles[r.dev_number] = r.faulty ? kRoleFaulty : r.role;
    }
    sb.sb_csum = md_sb_checksum(sb);
  }
}

void MdArray::step_sb_update(JobId id) {
  Job& j = job(id);
  switch (j.stage) {
    case 0: {
      // md_update_sb: a clean<->dirty transition of a healthy array may roll events back.
      bool nospares = md_.sb_clean_transition && !md_.sb_force_change;
      md_.sb_clean_transition = md_.sb_force_change = false;
      if (degraded()) nospares = false;
      if (nospares && md_.in_sync && md_.resync_offset == kMaxSector && md_.can_decrease_events &&
          md_.events != 1) {
        --md_.events;
        md_.can_decrease_events = false;
      } else {
        ++md_.events;
        md_.can_decrease_events = nospares;
      }
      log(str_cat("md_update_sb: events ", md_.events, md_.in_sync ? " (clean)" : " (active)"));
      encode_superblocks();
      j.stage = 1;
      if (bitmap()) {
        bitmap_update_sb(id);
        if (j.outstanding) return;
      }
      [[fallthrough]];
    }
    case 1: {
      j.stage = 2;
      for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
        if (!member_writable(m)) continue;
        std::vector<std::uint8_t> full(kMdSbMaxBytes, 0);
        (void)encode_md_superblock(md_.md_sbs[m], full);
        DiskWrite w;
        w.kind = DiskWriteKind::Meta;
        w.sector = md_.md_sbs[m].super_offset;
        const std::size_t size = (md_.md_sbs[m].checksummed_bytes() + 511) / 512 * 512;
        w.sectors = static_cast<std::uint32_t>(size / 512);
        w.bytes = MetaBytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(size));
        w.fua = w.preflush = true;
        w.tag = "md superblock";
        submit(m, std::move(w), id);
      }
      write_bad_block_logs(id);
      if (j.outstanding) return;
      [[fallthrough]];
    }
    default:
      md_.sb_update_running = false;
      finish(id);
      if (md_.sb_update_wanted) {
        start_sb_update();
      } else {
        wake_all(md_.sb_waiters);
      }
      return;
  }
}

// md_write_end: mod_timer(roundup(jiffies, safemode_delay) + safemode_delay), so the timer fires
// between one and two delays after the last write ends (locking once per delay, not per write).
// The jiffies' phase is the model's clock's (the guest's is its uptime's).
void MdArray::arm_safe_mode() {
  if (config_.safe_mode_delay_ms == 0 || status_ != ArrayStatus::Running) return;
  const Tick j = kTicksPerJiffy;
  const Tick delay = (Tick{config_.safe_mode_delay_ms} * kTicksPerMs + j - 1) / j * j;
  const Tick at = (now_ / j * j + delay - 1) / delay * delay + delay;  // > now_: delay >= 1 jiffy
  ++md_.safe_mode_generation;
  queue_.schedule(at, EventKind::SafeModeTimer, 0, md_.safe_mode_generation);
}

void MdArray::on_safe_mode_timer(std::uint64_t generation) {
  if (generation != md_.safe_mode_generation || status_ != ArrayStatus::Running || md_.stopping) return;
  if (md_.writes_pending == 0 && !md_.in_sync && md_.resync_offset == kMaxSector) {
    md_.in_sync = true;
    log("safe mode: array marked clean");
    request_sb_update(false, true, kNoJob);
  }
}

void MdArray::wake_md_thread() {
  if (md_.md_thread_scheduled) return;
  md_.md_thread_scheduled = true;
  queue_.schedule(now_ + config_.md_thread_latency, EventKind::MdThread, 0,
                  incarnation_ << kIncarnationShift);
}

void MdArray::on_md_thread() {
  // md_check_recovery: reaping a finished sync writes the superblocks (and so consumes any
  // pending MD_SB_CHANGE_CLEAN); otherwise pending flags are written on their own.
  md_.md_thread_scheduled = false;
  if (status_ != ArrayStatus::Running) return;
  if (md_.md_reap_pending) {
    md_.md_reap_pending = md_.md_clean_pending = false;
    if (md_.md_reap_resync) {
      md_.resync_offset = kMaxSector;
      if (md_.writes_pending == 0) md_.in_sync = true;
    }
    // md_do_sync's end sets MD_SB_CHANGE_DEVS|PENDING: md_check_recovery writes them first,
    // then md_reap_sync_thread writes the superblocks again: events + 2 at every sync's end.
    request_sb_update(true, false, kNoJob);
    request_sb_update(true, false, kNoJob);
  } else if (md_.md_clean_pending) {
    md_.md_clean_pending = false;
    request_sb_update(false, true, kNoJob);
  }
}

void MdArray::md_error(std::uint32_t member) {
  Rdev& r = rdevs_[member];
  if (r.faulty || !r.in_array) return;
  r.faulty = true;
  r.in_sync = false;
  log(str_cat("md_error: ", r.disk->name(), " failed, array degraded"));
  if (sync_.job != kNoJob) job(sync_.job).abort = true;
  JobId id = new_job(kFail, true);
  job(id).member = member;
  job(id).stage = 1;  // the failure is recorded; go on with its consequences
  resume(id);
}

// ---------------------------------------------------------------------------------------------
// the bad-block log

const char* collision_invariant(MetaCollision::Kind k) {
  switch (k) {
    case MetaCollision::Kind::LogOverStates: return "state-bytes-destroyed";
    case MetaCollision::Kind::StatesOverLog: return "bblog-overwritten";
    case MetaCollision::Kind::MemberRefused: return "member-refused";
  }
  return "?";
}

std::pair<std::uint64_t, std::uint64_t> MdArray::bad_block_log_bytes(std::uint32_t m) const {
  if (m >= md_.md_sbs.size()) return {0, 0};
  const MdSuperblock& sb = md_.md_sbs[m];
  if (sb.bblog_offset == 0 || sb.bblog_size == 0) return {0, 0};
  const std::int64_t first = static_cast<std::int64_t>(sb.super_offset) + sb.bblog_offset;
  if (first < 0) return {0, 0};
  const std::uint64_t b = static_cast<std::uint64_t>(first) * 512;
  return {b, b + std::uint64_t{sb.bblog_size} * 512};
}

void MdArray::note_collision(std::uint32_t m, MetaCollision::Kind kind, std::uint64_t first_byte,
                             std::uint64_t end_byte, std::string detail) {
  MetaCollision c;
  c.at = now_;
  c.member = m;
  c.kind = kind;
  c.detail = std::move(detail);
  if (bitmap() && kind != MetaCollision::Kind::MemberRefused) {
    const Geometry& g = geometry();
    const std::uint64_t s0 = g.state_byte_offset(0);
    c.first_chunk = first_byte > s0 ? first_byte - s0 : 0;
    c.last_chunk = std::min(end_byte - s0, g.chunks) - 1;
  }
  log(str_cat(rdevs_[m].disk->name(), ": ", collision_invariant(kind), ": ", c.detail));
  collisions_.push_back(std::move(c));
}

void MdArray::write_bad_block_logs(JobId owner) {
  for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
    Rdev& r = rdevs_[m];
    if (!member_writable(m) || r.badblocks.count() == 0 || !r.badblocks.changed()) continue;
    const auto [first, end] = bad_block_log_bytes(m);
    if (first == end) continue;
    // The page is 0xff, then the entries (stored as the table holds them, absolute sectors).
    std::vector<std::uint8_t> page(end - first, 0xff);
    encode_bad_block_log(r.badblocks.entries(), r.badblocks.shift(), page);
    r.badblocks.clear_changed();
    r.bblog_clobbered = false;
    DiskWrite w;
    w.kind = DiskWriteKind::Meta;
    w.sector = first / 512;
    w.sectors = static_cast<std::uint32_t>(page.size() / 512);
    w.bytes = MetaBytes(page.begin(), page.end());
    w.tag = "bad-block log";
    submit(m, std::move(w), owner);
    log(str_cat(r.disk->name(), ": bad-block log written (", r.badblocks.count(), " entries) at bytes ",
                first, "-", end - 1));
    // Where the llbitmap keeps state bytes in the same place, they are gone.
    if (bitmap()) {
      const Geometry& g = geometry();
      const std::uint64_t s0 = g.state_byte_offset(0), s1 = g.state_byte_offset(g.chunks);
      if (first < s1 && s0 < end) {
        note_collision(m, MetaCollision::Kind::LogOverStates, std::max(first, s0),
                       std::min(end, s1),
                       str_cat("md wrote its bad-block log over the state bytes of chunks ",
                               std::max(first, s0) - s0, "-", std::min(end, s1) - s0 - 1));
      }
    }
  }
}

bool MdArray::record_bad_blocks(std::uint32_t member, std::uint64_t sector,
                                std::uint64_t sectors) {
  Rdev& r = rdevs_[member];
  if (status_ != ArrayStatus::Running || !r.in_array || !r.badblocks.enabled()) return false;
  if (!r.badblocks.set(sector, sectors)) return false;
  log(str_cat(r.disk->name(), ": bad block ", sector, "+", sectors, " recorded through sysfs (",
              r.badblocks.count(), " in the table)"));
  return true;
}

bool MdArray::load_bad_blocks(std::uint32_t m, std::string* why) {
  Rdev& r = rdevs_[m];
  const MdSuperblock& sb = md_.md_sbs[m];
  r.badblocks.clear();
  r.badblocks.set_enabled(sb.bblog_offset != 0);
  if (!(sb.feature_map & kFeatureBadBlocks)) return true;
  if (sb.bblog_shift >= 64) {
    *why = str_cat("bogus bblog_shift ", static_cast<unsigned>(sb.bblog_shift));
    return false;
  }
  const auto [first, end] = bad_block_log_bytes(m);
  if (first == end || sb.bblog_size > kBadBlockLogMaxSectors || end > r.disk->meta_current().size()) {
    *why = str_cat("bblog_size ", sb.bblog_size, " at offset ", sb.bblog_offset, " cannot be read");
    return false;
  }
  r.badblocks.set_shift(sb.bblog_shift);
  const std::vector<std::uint8_t> bytes = r.disk->meta_current().read(first, end - first);
  const BadBlockLog bbl = decode_bad_block_log(bytes, sb.bblog_shift);
  std::string refusal = bad_block_log_refusal(bbl);
  if (!refusal.empty()) {
    *why = std::move(refusal);
    return false;
  }
  r.badblocks.load(bbl.entries);
  return true;
}

}  // namespace llb::sim
