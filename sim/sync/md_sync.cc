// The sync thread: resync after an unclean shutdown and recovery of a re-added member, driven
// by the bitmap as md_do_sync, raid1_sync_request and the llbitmap sync hooks drive it.

#include <algorithm>

#include "sim/llbitmap/llbitmap_state.h"
#include "sim/md/md_array.h"
#include "sim/md/md_array_job.h"

namespace llb::sim {

namespace {
constexpr std::uint8_t S(State s) { return static_cast<std::uint8_t>(s); }
}  // namespace

JobId MdArray::start_sync_job(bool recovery, bool full) {
  if (sync_.job != kNoJob) return sync_.job;
  sync_.job = new_job(kSync, true);
  Job& j = job(sync_.job);
  j.recovery = recovery;
  j.full_sync = full || !bm_->model;
  j.last_end_sync = now_;
  log(str_cat(recovery ? "recovery" : "resync", " starts", j.full_sync ? " (full)" : ""));
  // md starts the thread from md_check_recovery: run it on the next event.
  job(sync_.job).waiting = true;
  wake(sync_.job);
  return sync_.job;
}

void MdArray::sync_finish(JobId id, bool aborted) {
  Job& j = job(id);
  sync_.chunk = ~std::uint64_t{0};
  wake_all(r1_.sync_waiters);
  if (bm_->model) {
    const std::uint64_t last = bm_->geometry.chunks - 1;
    if (aborted) {
      // llbitmap_end_sync: Abortsync from the current chunk to the end ...
      PassResult r = bm_->model->apply(std::min(j.cursor, last), last, Action::Abortsync,
                                    degraded(), now_);
      bitmap_pass_effects(r);
    }
    // ... then close_sync, as raid1_sync_request calls it in both cases.
    if (policy_->close_sync_expires_pages) {
      for (std::uint32_t p = 0; p < bm_->model->pages(); ++p) bm_->model->page(p).expire = now_;
    }
    PassResult r = bm_->model->apply(0, last, Action::Endsync, degraded(), now_);
    bitmap_pass_effects(r);
  }
  sync_.job = kNoJob;
  if (!aborted) {
    if (j.recovery) {
      for (Rdev& r : rdevs_) {
        if (r.in_array && !r.faulty) r.in_sync = true;
      }
      log("recovery done: every member in sync");
    } else {
      log("resync done");
    }
    md_.md_reap_pending = true;
    md_.md_reap_resync = !j.recovery;
    wake_md_thread();
  } else {
    log(str_cat(j.recovery ? "recovery" : "resync", " aborted at chunk ", j.cursor));
  }
  finish(id);
}

void MdArray::step_sync(JobId id) {
  Job& j = job(id);
  const std::uint64_t chunks = bm_->model ? bm_->geometry.chunks
                                       : (md_.array_sectors + kMinChunkSectors - 1) / kMinChunkSectors;
  const std::uint64_t unit = bm_->model ? bm_->geometry.chunksize_sectors : kMinChunkSectors;
  // sources and targets: resync copies from the first in-sync member to the other in-sync ones;
  // recovery copies to the members that are not in sync yet.
  auto source = [&]() -> std::uint32_t {
    for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
      if (member_writable(m) && rdevs_[m].in_sync) return m;
    }
    return ~0u;
  };
  switch (j.stage) {
    case 0:
      j.stage = 1;
      j.cursor = 0;
      if (bm_->model && policy_->clear_unwritten_at_recovery && j.recovery) {
        // start_sync at offset 0 of a recovery: CleanUnwritten -> Unwritten
        PassResult r = bm_->model->apply(0, bm_->geometry.chunks - 1, Action::ClearUnwritten,
                                      degraded(), now_);
        bitmap_pass_effects(r);
      }
      [[fallthrough]];
    case 1:
      while (true) {
        if (j.abort || md_.stopping || status_ != ArrayStatus::Running || source() == ~0u) {
          sync_finish(id, true);
          return;
        }
        if (j.cursor >= chunks) {
          sync_finish(id, false);
          return;
        }
        const std::uint64_t c = j.cursor;
        // md_do_sync records its progress every 1/16 of the device: MD_SB_CHANGE_CLEAN. It does
        // not wake the md thread: raid1d writes the flag when a sync read wakes it (case 3), so
        // checkpoints over skipped chunks merge into the next sync I/O's update, or the end's.
        const std::uint64_t pos = c * unit;
        if (pos > j.completed && pos - j.completed > (md_.array_sectors >> 4)) {
          j.completed = pos;
          md_.md_clean_pending = true;
        }
        bool visit = true;
        if (bm_->model) {
          const std::uint8_t s = bm_->model->state(c);
          if (policy_->skip_sync_blocks) {
            // llbitmap_skip_sync_blocks
            if (s == S(State::Unwritten) || s == S(State::CleanUnwritten)) {
              visit = false;
            } else if (!degraded() && !j.recovery &&
                       (s == S(State::Clean) || s == S(State::Dirty))) {
              visit = false;
            }
          }
          if (visit) {
            PassResult r = bm_->model->apply(c, c, Action::Startsync, degraded(), now_);
            bitmap_pass_effects(r);
            const bool syncing = r.last_state == S(State::Syncing) ||
                                 r.last_state == S(State::SyncingUnwritten);
            visit = syncing || j.full_sync;
          }
          if (visit && policy_->cond_end_sync &&
              now_ >= j.last_end_sync + Tick{config_.daemon_sleep_s} * kTicksPerSecond) {
            // llbitmap_cond_end_sync: the chunks behind (and this one) become Dirty, and the
            // whole bitmap is written, in case the sync must restart after a power failure.
            PassResult r = bm_->model->apply(0, c, Action::Endsync, degraded(), now_);
            bitmap_pass_effects(r);
            j.last_end_sync = now_;
            j.stage = 5;
            write_bitmap_pieces(bm_->model->all_blocks(), true, id, "cond_end_sync");
            if (j.outstanding) return;
          }
        }
        if (!visit) {
          ++j.cursor;
          continue;
        }
        j.stage = 5;
        break;
      }
      [[fallthrough]];
    case 5: {
      const std::uint64_t c = j.cursor;
      if (sync_chunk_busy(c)) {
        j.waiting = true;  // a user write holds the chunk: raise_barrier waits for it
        return;
      }
      sync_.chunk = c;
      j.source = source();
      j.sector = c * unit;
      j.sectors = static_cast<std::uint32_t>(std::min<std::uint64_t>(unit, md_.array_sectors - j.sector));
      j.member = j.source;
      j.stage = 3;
      j.failed_members.clear();
      submit_read(j.source, id);
      return;
    }
    case 3: {
      // end_sync_read -> reschedule_retry wakes raid1d, and its md_check_recovery writes a
      // pending checkpoint (md_update_sb waits for the writes) before it issues this chunk's
      // sync writes (sync_request_write).
      if (md_.md_clean_pending) {
        md_.md_clean_pending = false;
        request_sb_update(false, true, id);
        return;
      }
      if (!j.failed_members.empty()) {
        md_error(j.source);
        j.failed_members.clear();
        j.stage = 1;
        sync_.chunk = ~std::uint64_t{0};
        wake_all(r1_.sync_waiters);
        resume(id);
        return;
      }
      j.stage = 4;
      std::vector<std::uint64_t> stamps = j.result.read_stamps;
      for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
        if (!member_writable(m) || m == j.source) continue;
        if (j.recovery && rdevs_[m].in_sync) continue;
        DiskWrite w;
        w.kind = DiskWriteKind::Data;
        w.sector = config_.disk.data_offset_sectors + j.sector;
        w.sectors = j.sectors;
        w.stamps = stamps;
        w.tag = "sync";
        submit(m, std::move(w), id);
      }
      if (j.outstanding) return;
      [[fallthrough]];
    }
    case 4: {
      // handle_sync_write_finished: a failed sync write becomes bad blocks over the whole range
      // where the member keeps a log (rdev_set_badblocks; the md thread writes them out), else
      // (or when the table is full) the member fails.
      bool recorded = false;
      for (std::uint32_t m : j.failed_members) {
        Rdev& r = rdevs_[m];
        if (r.badblocks.enabled() && !r.faulty &&
            r.badblocks.set(config_.disk.data_offset_sectors + j.sector, j.sectors)) {
          recorded = true;
          log(str_cat("raid1: ", r.disk->name(), ": sync write of sectors ", j.sector, "+", j.sectors,
                      " failed: recorded as bad blocks"));
        } else {
          md_error(m);
        }
      }
      if (recorded) request_sb_update(false, true, kNoJob);
      j.failed_members.clear();
      sync_.chunk = ~std::uint64_t{0};
      wake_all(r1_.sync_waiters);
      ++j.cursor;
      j.stage = 1;
      if (config_.resync_chunk_cpu) {
        j.waiting = true;
        queue_.schedule(now_ + config_.resync_chunk_cpu, EventKind::Wakeup, id,
                        (incarnation_ << kIncarnationShift) | j.generation);
        return;
      }
      resume(id);
      return;
    }
  }
}

}  // namespace llb::sim
