// Array lifecycle: create, assemble from what the members hold, stop, the reboot notifier,
// power loss, and member failure, removal and re-add.

#include <algorithm>

#include "libformat/io/member_writer.h"
#include "libformat/codec/llbitmap_validate.h"
#include "libformat/io/md_locate.h"
#include "libformat/io/state_area.h"
#include "sim/core/disk_device.h"
#include "sim/md/md_array.h"
#include "sim/md/md_array_job.h"

namespace llb::sim {

// Loads the bitmap the kernel would load from `member`: FIRST_USE initialises it, otherwise the
// kernel's checks decide between refusing it, the Stale action and Reload.
MdArray::BitmapLoad MdArray::load_bitmap_from(std::uint32_t member, std::string* why) {
  bitmap_.reset();
  bitmap_shutdown_ = false;
  daemon_timer_at_ = kNever;
  SimDiskDevice dev(*rdevs_[member].disk, DiskView::Current, false);
  const MdSuperblock& md = md_sbs_[member];
  if (!(md.feature_map & kFeatureBitmapOffset)) {
    log("no bitmap");
    return BitmapLoad::None;
  }
  const std::uint64_t md_offset = md.super_offset * 512;
  const std::uint64_t bm_offset = md_offset + static_cast<std::uint64_t>(
                                                  std::int64_t{md.bitmap_offset} * 512);
  auto raw = read_bytes(dev, bm_offset, kBitmapSbBytes);
  if (!raw.ok()) {
    *why = raw.status().message();
    return BitmapLoad::Refused;
  }
  auto bsb = decode_bitmap_superblock(*raw, {dev.name(), bm_offset, "bitmap superblock"});
  if (!bsb.ok()) {
    *why = bsb.status().message();
    log("bitmap refused: " + *why);
    return BitmapLoad::Refused;
  }
  const KernelVersion format = policy_->format->version;
  BitmapVerdict v = validate_llbitmap(*bsb, md, 2, format, dev.name(), bm_offset);
  if (!v.loadable) {
    for (const auto& f : v.findings) {
      if (bitmap_check_refuses(f.check) && why->empty()) *why = f.message;
    }
    log("bitmap refused: " + *why);
    return BitmapLoad::Refused;
  }
  bitmap_sb_ = *bsb;
  if (bitmap_sb_.sectors_reserved == 0) bitmap_sb_.sectors_reserved = kDefaultSectorsReserved;
  Geometry g = v.first_use
                   ? first_use_geometry(md, md_offset, bsb->sectors_reserved, format)
                   : *geometry_from_superblocks(md, md_offset, *bsb, format, dev.name());
  auto area = read_bytes(dev, bm_offset, static_cast<std::size_t>(g.state_area_end_bytes()));
  if (!area.ok()) {
    *why = area.status().message();
    return BitmapLoad::Refused;
  }
  geometry_ = g;
  const std::uint32_t io_size = policy_->format->write_unit == StateWriteUnit::LogicalBlock
                                    ? config_.disk.logical_block_size
                                    : kBitmapPageBytes;
  bitmap_ = std::make_unique<LlbitmapModel>(*policy_, g, io_size, std::move(area).value());
  page_waiters_.assign(bitmap_->pages(), {});
  bitmap_flags_ = bsb->state;
  if (policy_->load_clears_runtime_flags) bitmap_flags_ &= ~(1u << kBitmapShutdown);
  if (v.first_use) {
    bitmap_flags_ &= ~(1u << policy_->format->first_use_bit);
    const bool clean =
        policy_->format->honours_clean_flag && (bitmap_flags_ & (1u << kBitmapClean));
    bitmap_flags_ &= ~(1u << kBitmapClean);
    bitmap_->init_states(clean, now_);
    log(str_cat("bitmap first use: ", g.chunks, " chunks of ", g.chunksize_sectors,
                " sectors initialised ", clean ? "Clean" : "Unwritten"));
    return BitmapLoad::FirstUse;
  }
  const bool stale = v.stale;
  if (policy_->load_clears_runtime_flags) bitmap_flags_ &= ~(1u << kBitmapStale);
  PassResult r = bitmap_->apply(0, g.chunks - 1, stale ? Action::Stale : Action::Reload,
                                degraded(), now_);
  log(str_cat("bitmap loaded from ", dev.name(), ": ", stale ? "Stale" : "Reload", " over ",
              g.chunks, " chunks", r.invalid ? str_cat(", ", r.invalid, " invalid bytes") : ""));
  return BitmapLoad::Loaded;
}

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
      md_sbs_.clear();
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
        md_sbs_.push_back(sb);
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
      stopping_ = false;
      events_ = 0;
      in_sync_ = j.assume_clean;
      can_decrease_events_ = false;
      resync_offset_ = j.assume_clean ? kMaxSector : 0;
      writes_pending_ = 0;
      std::string why;
      const BitmapLoad load = load_bitmap_from(0, &why);
      if (load == BitmapLoad::Refused) {
        status_ = ArrayStatus::Stopped;
        finish(id, false, "failed to create bitmap: " + why);
        return;
      }
      j.stage = 1;
      if (load == BitmapLoad::FirstUse && policy_->initial_flush) {
        write_bitmap_pieces(bitmap_->all_blocks(), true, id, "initial flush");
        if (j.outstanding) return;
      }
      [[fallthrough]];
    }
    case 1:
      start_writeback_timer();
      if (!j.assume_clean) {
        // Not clean: md writes the superblocks, and the initial resync runs (it finds nothing
        // but Unwritten chunks with an llbitmap, and ends at once).
        j.stage = 2;
        request_sb_update(true, false, id);
        return;
      }
      finish(id);
      return;
    case 2:
      start_sync_job(false, false);
      finish(id);
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// assemble

JobId MdArray::assemble() {
  JobId id = new_job(kAssemble, false);
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
    md_sbs_.assign(rdevs_.size(), MdSuperblock{});
    std::uint64_t max_events = 0;
    std::vector<bool> present(rdevs_.size(), false);
    for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
      Rdev& r = rdevs_[m];
      r.in_array = false;
      if (r.disk->health() == DiskHealth::Removed) continue;
      r.disk->reset_offline();
      SimDiskDevice dev(*r.disk, DiskView::Current, false);
      auto loc = locate_md_superblock(dev);
      if (!loc.ok() || !loc->checksum_ok()) {
        log(str_cat("assemble: ", r.disk->name(), " has no usable superblock"));
        continue;
      }
      md_sbs_[m] = loc->sb;
      present[m] = true;
      max_events = std::max(max_events, loc->sb.events);
    }
    std::uint32_t fresh = 0;
    std::uint32_t first_fresh = ~0u;
    for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
      Rdev& r = rdevs_[m];
      if (!present[m]) continue;
      const std::uint16_t role = md_sbs_[m].role();
      if (md_sbs_[m].events < max_events || role >= kRoleMax) {
        log(str_cat("assemble: kicking non-fresh ", r.disk->name(), " (events ",
                    md_sbs_[m].events, " < ", max_events, ")"));
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
      if (!present[m]) md_sbs_[m] = md_sbs_[first_fresh];
      md_sbs_[m].dev_number = rdevs_[m].dev_number;
      md_sbs_[m].device_uuid = rdevs_[m].device_uuid;
    }
    new_incarnation();
    status_ = ArrayStatus::Running;
    stopping_ = false;
    events_ = max_events;
    resync_offset_ = md_sbs_[first_fresh].resync_offset;
    in_sync_ = resync_offset_ == kMaxSector;
    can_decrease_events_ = false;
    writes_pending_ = 0;
    active_io_ = 0;
    suspended_ = false;
    log(str_cat("mdadm --assemble: ", fresh, " of ", config_.members, " members, events ",
                events_, in_sync_ ? ", clean" : ", not clean"));
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
      write_bitmap_pieces(bitmap_->all_blocks(), true, id, "initial flush");
      if (j.outstanding) return;
    }
  }
  if (j.stage == 1) {
    start_writeback_timer();
    const bool unclean = !in_sync_ || resync_offset_ != kMaxSector;
    j.stage = 2;
    if (unclean) {
      request_sb_update(true, false, id);
      return;
    }
  }
  if (j.stage == 2) {
    const bool unclean = resync_offset_ != kMaxSector;
    bool need = unclean;
    if (bitmap_) {
      for (std::uint64_t c = 0; c < geometry_.chunks && !need; ++c) {
        need = bitmap_->state(c) == static_cast<std::uint8_t>(State::NeedSync);
      }
    }
    if (need && !degraded()) start_sync_job(false, !bitmap_);
    finish(id);
  }
}

// ---------------------------------------------------------------------------------------------
// stop, poweroff, crash

JobId MdArray::stop() {
  JobId id = new_job(kStop, false);
  resume(id);
  return id;
}

JobId MdArray::poweroff() {
  JobId id = new_job(kPoweroff, false);
  resume(id);
  return id;
}

void MdArray::step_stop(JobId id) {
  Job& j = job(id);
  switch (j.stage) {
    case 0:
      if (status_ != ArrayStatus::Running) {
        finish(id, false, "array is not running");
        return;
      }
      stopping_ = true;
      log(j.kind == kStop ? "stop: quiesce, flush the bitmap, mark clean"
                          : "reboot notifier: quiesce, flush the bitmap, mark clean");
      if (sync_job_ != kNoJob) job(sync_job_).abort = true;
      j.stage = 1;
      [[fallthrough]];
    case 1:
      // quiesce: wait for the sync thread and for every write in flight
      if (sync_job_ != kNoJob) {
        Job& s = job(sync_job_);
        if (s.waiting) wake(sync_job_);
        j.waiting = true;
        queue_.schedule(now_ + kTicksPerMs, EventKind::Wakeup, id,
                        (incarnation_ << 40) | j.generation);
        return;
      }
      if (active_io_ > 0 || sb_update_running_) {
        if (active_io_ > 0) {
          park(id, drain_waiters_);
        } else {
          park(id, sb_waiters_);
        }
        return;
      }
      j.stage = 2;
      [[fallthrough]];
    case 2:
      // llbitmap_flush: every page marked for the daemon, which runs now, then every block.
      if (bitmap_ && policy_->flush_through_daemon) {
        for (std::uint32_t p = 0; p < bitmap_->pages(); ++p) bitmap_->page(p).flush = true;
        ++daemon_timer_generation_;
        daemon_timer_at_ = kNever;
        j.stage = 3;
        if (daemon_job_ == kNoJob) start_daemon_job();
        if (daemon_job_ != kNoJob) {
          jobs_[daemon_job_]->parent = id;
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
      write_bitmap_pieces(bitmap_->all_blocks(), true, id, "flush");
      if (j.outstanding) return;
      [[fallthrough]];
    case 4:
      j.stage = 5;
      if (!in_sync_) {
        in_sync_ = true;
        request_sb_update(true, false, id);
        return;
      }
      [[fallthrough]];
    case 5:
      j.stage = 6;
      if (bitmap_ && policy_->page_cache_writeback) {
        // RFC: closing the hidden bitmap disk writes its dirty page-cache pages.
        write_bitmap_pieces(bitmap_->take_expired_pages(kNever - 1), false, id, "close");
        if (j.outstanding) return;
      }
      [[fallthrough]];
    case 6:
      bitmap_shutdown_ = true;
      if (j.kind == kPoweroff) {
        log("power off");
        stopping_ = false;
        finish(id);
        crash(CrashPolicy{});
        return;
      } else {
        new_incarnation();
        status_ = ArrayStatus::Stopped;
        bitmap_.reset();
        for (Rdev& r : rdevs_) r.in_array = false;
        log("array stopped");
      }
      stopping_ = false;
      finish(id);
      return;
  }
}

void MdArray::crash(const CrashPolicy& policy) {
  acked_.clear();  // acknowledged but never flushed: no promise was made
  discards_in_flight_ = 0;
  for (Rdev& r : rdevs_) {
    r.disk->crash(policy);
    r.in_array = false;
  }
  new_incarnation();
  status_ = ArrayStatus::Crashed;
  bitmap_.reset();
  sync_job_ = kNoJob;
  daemon_job_ = kNoJob;
  daemon_timer_at_ = kNever;
  sb_update_running_ = false;
  sb_update_wanted_ = false;
  sb_waiters_.clear();
  suspend_waiters_.clear();
  drain_waiters_.clear();
  sync_waiters_.clear();
  page_waiters_.clear();
  active_writes_.clear();
  active_io_ = 0;
  writes_pending_ = 0;
  suspended_ = false;
  stopping_ = false;
  sync_chunk_ = ~std::uint64_t{0};
  md_thread_scheduled_ = md_clean_pending_ = md_reap_pending_ = false;
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

JobId MdArray::fail(std::uint32_t member) {
  JobId id = new_job(kFail, false);
  job(id).member = member;
  resume(id);
  return id;
}

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
      if (sync_job_ != kNoJob) job(sync_job_).abort = true;
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
      if (bitmap_ && policy_->write_all_at_member_failure) {
        write_bitmap_pieces(bitmap_->all_blocks(), true, id, "member failure");
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

JobId MdArray::remove(std::uint32_t member) {
  JobId id = new_job(kRemove, false);
  job(id).member = member;
  resume(id);
  return id;
}

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

JobId MdArray::readd(std::uint32_t member) {
  JobId id = new_job(kReadd, false);
  job(id).member = member;
  resume(id);
  return id;
}

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
    if (bitmap_ && policy_->write_all_at_readd) {
      // md_start_sync with spares: llbitmap_write_all marks every block for the next unplug
      for (std::uint32_t p = 0; p < bitmap_->pages(); ++p) {
        PageCtl& pc = bitmap_->page(p);
        pc.dirty = true;
        pc.dirty_blocks = (bitmap_->blocks_per_page() >= 64)
                              ? ~std::uint64_t{0}
                              : (std::uint64_t{1} << bitmap_->blocks_per_page()) - 1;
      }
    }
    j.stage = 1;
    request_sb_update(true, false, id);
    return;
  }
  start_sync_job(true, !bitmap_);
  finish(id);
}

}  // namespace llb::sim
