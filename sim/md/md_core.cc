// md core (md.c): the superblock updates and events, safe mode, the md thread, md_error.

#include <algorithm>

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

void MdArray::arm_safe_mode() {
  if (config_.safe_mode_delay_ms == 0 || status_ != ArrayStatus::Running) return;
  ++md_.safe_mode_generation;
  queue_.schedule(now_ + Tick{config_.safe_mode_delay_ms} * kTicksPerMs, EventKind::SafeModeTimer,
                  0, md_.safe_mode_generation);
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

}  // namespace llb::sim
