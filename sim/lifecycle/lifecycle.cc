// Array lifecycle: create, assemble from what the members hold, stop, the reboot notifier,
// power loss, and member failure, removal and re-add.

#include <algorithm>

#include "libformat/io/member_writer.h"
#include "libformat/codec/llbitmap_validate.h"
#include "libformat/io/md_locate.h"
#include "libformat/io/state_area.h"
#include "sim/core/disk_device.h"
#include "sim/llbitmap/llbitmap_state.h"
#include "sim/md/md_array.h"
#include "sim/md/md_array_job.h"

namespace llb::sim {


// ---------------------------------------------------------------------------------------------
// create

JobId MdArray::create(bool assume_clean) {
  JobId id = new_job(kCreate, false);
  job(id).assume_clean = assume_clean;
  resume(id);
  return id;
}

void MdArray::step_create(JobId id) {
  Job& j = job(id);
  switch (j.stage) {
    case 0: {
      // mdadm writes every member's metadata itself (O_DIRECT and fsync: durable at once).
      ArraySpec spec;
      spec.array_uuid = config_.array_uuid;
      spec.name = "(none):0";
      spec.raid_disks = config_.members;
      spec.member_size_bytes = config_.disk.size_bytes;
      spec.data_offset_sectors = config_.disk.data_offset_sectors;
      spec.logical_block_size = 0;  // mdadm leaves it to the kernel
      spec.layout = policy_->format->version;
      spec.ctime_seconds = config_.ctime_seconds;
      spec.assume_clean = j.assume_clean;
      md_.md_sbs.clear();
      for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
        Rdev& r = rdevs_[m];
        SimDiskDevice dev(*r.disk, DiskView::Current, true);
        MemberSpec ms;
        ms.dev_number = r.dev_number;
        ms.role = r.role;
        ms.device_uuid = r.device_uuid;
        Status st = write_member_metadata(dev, spec, ms, BitmapInit::Placeholder, 0, {});
        if (!st.ok()) {
          finish(id, false, st.to_string());
          return;
        }
        // mdadm marks a new array dirty unless --assume-clean.
        MdSuperblock sb = make_md_superblock(spec, ms, 0);
        sb.resync_offset = j.assume_clean ? kMaxSector : 0;
        sb.sb_csum = md_sb_checksum(sb);
        std::vector<std::uint8_t> raw(kMdSbMaxBytes, 0);
        (void)encode_md_superblock(sb, raw);
        (void)dev.write_at(4096, raw);
        md_.md_sbs.push_back(sb);
        r.badblocks.clear();
        r.badblocks.set_enabled(sb.bblog_offset != 0);
        r.bblog_clobbered = false;
        r.in_array = true;
        r.in_sync = true;
        r.faulty = false;
        r.disk->set_health(DiskHealth::Healthy);
      }
      log(str_cat("mdadm --create: ", config_.members, " members of ", config_.disk.size_bytes,
                  " bytes, ", policy_->name, " llbitmap",
                  j.assume_clean ? ", --assume-clean" : ""));
      // The kernel runs the array: the bitmap's first use, then its initial flush.
      new_incarnation();
      status_ = ArrayStatus::Running;
      md_.stopping = false;
      md_.events = 0;
      // md_run sets in_sync whatever the resync offset: the first write marks the array active
      // and waits for that superblock update (which also clears FIRST_USE on disk).
      md_.in_sync = true;
      md_.can_decrease_events = false;
      md_.resync_offset = j.assume_clean ? kMaxSector : 0;
      md_.writes_pending = 0;
      std::string why;
      const BitmapLoad load = load_bitmap_from(0, &why);
      if (load == BitmapLoad::Refused) {
        status_ = ArrayStatus::Stopped;
        finish(id, false, "failed to create bitmap: " + why);
        return;
      }
      j.stage = 1;
      if (load == BitmapLoad::FirstUse && policy_->initial_flush) {
        write_bitmap_pieces(bm_->model->all_blocks(), true, id, "initial flush");
        if (j.outstanding) return;
      }
      [[fallthrough]];
    }
    case 1:
      start_writeback_timer();
      // Not clean: the initial resync runs (it finds nothing but Unwritten chunks with an
      // llbitmap, and ends at once). md_run writes no superblock: the resync's end does (twice,
      // on_md_thread), as Linux 7.2 was seen to do (issue 15, a kernel instrumented in
      // md_update_sb: events 1 and 2 both come from the end of the initial resync).
      if (!j.assume_clean) start_sync_job(false, false);
      finish(id);
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// assemble

JobId MdArray::assemble(std::uint32_t offered) {
  JobId id = new_job(kAssemble, false);
  job(id).offered = offered;
  resume(id);
  return id;
}

void MdArray::step_assemble(JobId id) {
  Job& j = job(id);
  if (j.stage == 0) {
    if (status_ == ArrayStatus::Running) {
      finish(id, false, "array is already running");
      return;
    }
    // Read every member's superblock; the freshest events win, older members are left out.
    md_.md_sbs.assign(rdevs_.size(), MdSuperblock{});
    std::uint64_t max_events = 0;
    std::vector<bool> present(rdevs_.size(), false);
    for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
      Rdev& r = rdevs_[m];
      r.in_array = false;
      if (r.disk->health() == DiskHealth::Removed) continue;
      if (m < 32 && !(j.offered >> m & 1u)) {
        log(str_cat("assemble: ", r.disk->name(), " not given to mdadm"));
        continue;
      }
      r.disk->reset_offline();
      SimDiskDevice dev(*r.disk, DiskView::Current, false);
      auto loc = locate_md_superblock(dev);
      if (!loc.ok() || !loc->checksum_ok()) {
        log(str_cat("assemble: ", r.disk->name(), " has no usable superblock"));
        continue;
      }
      md_.md_sbs[m] = loc->sb;
      // super_1_load reads the bad-block log; what it cannot take fails the whole import.
      std::string why;
      if (!load_bad_blocks(m, &why)) {
        note_collision(m, MetaCollision::Kind::MemberRefused, 0, 0,
                       str_cat(r.disk->name(), " does not have a valid v1.2 superblock, not "
                               "importing! (its bad-block log: ", why, ")"));
        continue;
      }
      present[m] = true;
      max_events = std::max(max_events, loc->sb.events);
    }
    std::uint32_t fresh = 0;
    std::uint32_t first_fresh = ~0u;
    for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
      Rdev& r = rdevs_[m];
      if (!present[m]) continue;
      const std::uint16_t role = md_.md_sbs[m].role();
      if (md_.md_sbs[m].events < max_events || role >= kRoleMax) {
        log(str_cat("assemble: kicking non-fresh ", r.disk->name(), " (events ",
                    md_.md_sbs[m].events, " < ", max_events, ")"));
        continue;
      }
      r.in_array = true;
      r.in_sync = true;
      r.faulty = false;
      r.role = role;
      ++fresh;
      if (first_fresh == ~0u || role < rdevs_[first_fresh].role) first_fresh = m;
    }
    if (fresh == 0) {
      finish(id, false, "no member to assemble from");
      return;
    }
    // Members left out keep their superblock; fill theirs from a fresh one for later re-add.
    for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
      if (!present[m]) md_.md_sbs[m] = md_.md_sbs[first_fresh];
      md_.md_sbs[m].dev_number = rdevs_[m].dev_number;
      md_.md_sbs[m].device_uuid = rdevs_[m].device_uuid;
    }
    new_incarnation();
    status_ = ArrayStatus::Running;
    md_.stopping = false;
    md_.events = max_events;
    md_.resync_offset = md_.md_sbs[first_fresh].resync_offset;
    md_.in_sync = true;  // md_run, as at create
    md_.can_decrease_events = false;
    md_.writes_pending = 0;
    r1_.active_io = 0;
    bm_->suspended = false;
    log(str_cat("mdadm --assemble: ", fresh, " of ", config_.members, " members, events ",
                md_.events, md_.resync_offset == kMaxSector ? ", clean" : ", not clean"));
    std::string why;
    const BitmapLoad load = load_bitmap_from(first_fresh, &why);
    if (load == BitmapLoad::Refused) {
      // md: "failed to create bitmap", and RUN_ARRAY fails: the array does not start.
      new_incarnation();
      status_ = ArrayStatus::Stopped;
      for (Rdev& r : rdevs_) r.in_array = false;
      finish(id, false, "failed to create bitmap: " + why);
      return;
    }
    j.stage = 1;
    if (load == BitmapLoad::FirstUse && policy_->initial_flush) {
      write_bitmap_pieces(bm_->model->all_blocks(), true, id, "initial flush");
      if (j.outstanding) return;
    }
  }
  if (j.stage == 1) {
    // md_run writes no superblock: an unclean array's are next written by its resync (its
    // checkpoints and its end), a degraded one's at the next change. (A crashed array assembled
    // degraded keeps its events and on-disk states until then: issue 15's differential run.)
    start_writeback_timer();
    j.stage = 2;
  }
  if (j.stage == 2) {
    const bool unclean = md_.resync_offset != kMaxSector;
    bool need = unclean;
    if (bm_->model) {
      for (std::uint64_t c = 0; c < bm_->geometry.chunks && !need; ++c) {
        need = bm_->model->state(c) == static_cast<std::uint8_t>(State::NeedSync);
      }
    }
    if (need && !degraded()) start_sync_job(false, !bm_->model);
    finish(id);
  }
}

// ---------------------------------------------------------------------------------------------
// stop, poweroff, crash

JobId MdArray::stop() { return launch(kStop); }

JobId MdArray::poweroff() { return launch(kPoweroff); }

void MdArray::step_stop(JobId id) {
  Job& j = job(id);
  switch (j.stage) {
    case 0:
      if (status_ != ArrayStatus::Running) {
        finish(id, false, "array is not running");
        return;
      }
      md_.stopping = true;
      log(j.kind == kStop ? "stop: quiesce, flush the bitmap, mark clean"
                          : "reboot notifier: quiesce, flush the bitmap, mark clean");
      if (sync_.job != kNoJob) job(sync_.job).abort = true;
      j.stage = 1;
      [[fallthrough]];
    case 1:
      // quiesce: wait for the sync thread and for every write in flight
      if (sync_.job != kNoJob) {
        Job& s = job(sync_.job);
        if (s.waiting) wake(sync_.job);
        j.waiting = true;
        queue_.schedule(now_ + kTicksPerMs, EventKind::Wakeup, id,
                        (incarnation_ << kIncarnationShift) | j.generation);
        return;
      }
      if (r1_.active_io > 0 || md_.sb_update_running) {
        if (r1_.active_io > 0) {
          park(id, r1_.drain_waiters);
        } else {
          park(id, md_.sb_waiters);
        }
        return;
      }
      j.stage = 2;
      [[fallthrough]];
    case 2:
      // llbitmap_flush: every page marked for the daemon, which runs now, then every block.
      if (bm_->model && policy_->flush_through_daemon) {
        for (std::uint32_t p = 0; p < bm_->model->pages(); ++p) bm_->model->page(p).flush = true;
        ++bm_->daemon_timer_generation;
        bm_->daemon_timer_at = kNever;
        j.stage = 3;
        if (bm_->daemon_job == kNoJob) start_daemon_job();
        if (bm_->daemon_job != kNoJob) {
          jobs_[bm_->daemon_job]->parent = id;
          j.waiting = true;
          return;
        }
      } else {
        j.stage = 4;
        resume(id);
        return;
      }
      [[fallthrough]];
    case 3:
      j.stage = 4;
      write_bitmap_pieces(bm_->model->all_blocks(), true, id, "flush");
      if (j.outstanding) return;
      [[fallthrough]];
    case 4:
      j.stage = 5;
      if (!md_.in_sync) {
        md_.in_sync = true;
        request_sb_update(true, false, id);
        return;
      }
      [[fallthrough]];
    case 5:
      j.stage = 6;
      if (bm_->model && policy_->page_cache_writeback) {
        // RFC: closing the hidden bitmap disk writes its dirty page-cache pages.
        write_bitmap_pieces(bm_->model->take_expired_pages(kNever - 1), false, id, "close");
        if (j.outstanding) return;
      }
      [[fallthrough]];
    case 6:
      bm_->shutdown = true;
      if (j.kind == kPoweroff) {
        log("power off");
        md_.stopping = false;
        finish(id);
        crash(CrashPolicy{});
        return;
      } else {
        new_incarnation();
        status_ = ArrayStatus::Stopped;
        bm_->model.reset();
        for (Rdev& r : rdevs_) r.in_array = false;
        log("array stopped");
      }
      md_.stopping = false;
      finish(id);
      return;
  }
}

void MdArray::crash(const CrashPolicy& policy) {
  dur_.acked.clear();  // acknowledged but never flushed: no promise was made
  dur_.discards_in_flight = 0;
  for (Rdev& r : rdevs_) {
    r.disk->crash(policy);
    r.in_array = false;
  }
  new_incarnation();
  status_ = ArrayStatus::Crashed;
  bm_->model.reset();
  sync_.job = kNoJob;
  bm_->daemon_job = kNoJob;
  bm_->daemon_timer_at = kNever;
  md_.sb_update_running = false;
  md_.sb_update_wanted = false;
  md_.sb_waiters.clear();
  bm_->suspend_waiters.clear();
  r1_.drain_waiters.clear();
  r1_.sync_waiters.clear();
  bm_->page_waiters.clear();
  r1_.active_writes.clear();
  r1_.active_io = 0;
  md_.writes_pending = 0;
  bm_->suspended = false;
  md_.stopping = false;
  sync_.chunk = ~std::uint64_t{0};
  md_.md_thread_scheduled = md_.md_clean_pending = md_.md_reap_pending = false;
  // Every job in progress dies with the machine.
  for (JobId i = 0; i < jobs_.size(); ++i) {
    Job& j = *jobs_[i];
    if (!j.result.done) {
      mark_done(i);
      j.result.ok = false;
      j.result.error = "power lost";
      j.outstanding = 0;
      if (j.internal) free_jobs_.push_back(i);
    }
  }
  log("power loss");
}

// ---------------------------------------------------------------------------------------------
// members

JobId MdArray::fail(std::uint32_t member) { return launch(kFail, member); }

void MdArray::step_fail(JobId id) {
  Job& j = job(id);
  switch (j.stage) {
    case 0: {
      Rdev& r = rdevs_[j.member];
      if (status_ != ArrayStatus::Running || !r.in_array || r.faulty) {
        finish(id, false, "member is not an active member of a running array");
        return;
      }
      r.faulty = true;
      r.in_sync = false;
      log(str_cat("mdadm --fail ", r.disk->name(), ": array degraded"));
      if (sync_.job != kNoJob) job(sync_.job).abort = true;
      j.stage = 1;
      [[fallthrough]];
    }
    case 1:
      // md_error's superblock update ...
      j.stage = 2;
      request_sb_update(true, false, id);
      return;
    case 2:
      // ... and the whole bitmap written with it, as Linux 7.2 was seen to do (the real-kernel
      // scenarios c-degraded-3disk and x1: in-memory Clean bytes reach the disk at the failure).
      j.stage = 3;
      if (bm_->model && policy_->write_all_at_member_failure) {
        write_bitmap_pieces(bm_->model->all_blocks(), true, id, "member failure");
        if (j.outstanding) return;
      }
      [[fallthrough]];
    case 3:
      // ... then a second superblock update (events move by two at a failure).
      j.stage = 4;
      request_sb_update(true, false, id);
      return;
    default:
      finish(id);
      return;
  }
}

JobId MdArray::remove(std::uint32_t member) { return launch(kRemove, member); }

void MdArray::step_remove(JobId id) {
  Job& j = job(id);
  if (j.stage == 0) {
    Rdev& r = rdevs_[j.member];
    if (status_ != ArrayStatus::Running || !r.in_array || !r.faulty) {
      finish(id, false, "only a failed member can be removed");
      return;
    }
    r.in_array = false;
    log(str_cat("mdadm --remove ", r.disk->name()));
    j.stage = 1;
    request_sb_update(true, false, id);
    return;
  }
  finish(id);
}

JobId MdArray::readd(std::uint32_t member) { return launch(kReadd, member); }

void MdArray::step_readd(JobId id) {
  Job& j = job(id);
  if (j.stage == 0) {
    Rdev& r = rdevs_[j.member];
    if (status_ != ArrayStatus::Running || (r.in_array && !r.faulty)) {
      finish(id, false, "member is already active, or the array is not running");
      return;
    }
    r.disk->set_health(DiskHealth::Healthy);
    r.disk->reset_offline();
    r.in_array = true;
    r.faulty = false;
    r.in_sync = false;
    log(str_cat("mdadm --re-add ", r.disk->name(), ": recovery driven by the bitmap"));
    if (bm_->model && policy_->write_all_at_readd) {
      // md_start_sync with spares: llbitmap_write_all marks every block for the next unplug
      for (std::uint32_t p = 0; p < bm_->model->pages(); ++p) {
        PageCtl& pc = bm_->model->page(p);
        pc.dirty = true;
        pc.dirty_blocks = (bm_->model->blocks_per_page() >= 64)
                              ? ~std::uint64_t{0}
                              : (std::uint64_t{1} << bm_->model->blocks_per_page()) - 1;
      }
    }
    j.stage = 1;
    request_sb_update(true, false, id);
    return;
  }
  if (j.stage == 1) {
    // md_check_recovery adds the spare (remove_and_add_spares: MD_SB_CHANGE_DEVS) and writes
    // the superblocks again before it starts the recovery: two updates for a re-add.
    j.stage = 2;
    request_sb_update(true, false, id);
    return;
  }
  start_sync_job(true, !bm_->model);
  finish(id);
}

}  // namespace llb::sim
