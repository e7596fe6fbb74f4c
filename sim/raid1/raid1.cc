// The RAID1 I/O path (raid1.c): user writes (md_write_start, the barrier against the sync thread,
// the bitmap's start, unplug and end around the mirrored writes), discards, reads with their retry
// on another mirror, flushes, and the durability promises the crash explorer checks.

#include <algorithm>

#include "sim/llbitmap/llbitmap_state.h"
#include "sim/md/md_array.h"
#include "sim/md/md_array_job.h"

namespace llb::sim {

JobId MdArray::write(std::uint64_t array_sector, std::uint32_t sectors, std::uint64_t stamp,
                     bool fua) {
  JobId id = new_job(kWrite, false);
  Job& j = job(id);
  j.sector = array_sector;
  j.sectors = sectors;
  j.stamp = stamp;
  j.fua = fua;
  resume(id);
  return id;
}

JobId MdArray::discard(std::uint64_t array_sector, std::uint32_t sectors) {
  JobId id = new_job(kDiscard, false);
  Job& j = job(id);
  ++dur_.discards_in_flight;
  j.sector = array_sector;
  j.sectors = sectors;
  resume(id);
  return id;
}

bool MdArray::sync_chunk_busy(std::uint64_t chunk) const {
  for (JobId w : r1_.active_writes) {
    const Job& j = *jobs_[w];
    if (j.has_chunks && j.chunk_start <= chunk && chunk <= j.chunk_end) return true;
  }
  return false;
}

// raid1_write_request, stage by stage: md_write_start, the barrier and the bitmap's start, the
// unplug of the dirty bitmap, the mirrored writes, their end. Each stage returns false (or, for
// the unplug and the writes, true) when the job waits and will be resumed at the same stage.
void MdArray::step_write(JobId id) {
  Job& j = job(id);
  switch (j.stage) {
    case 0:
      if (!md_write_start(id)) return;
      j.stage = 1;
      [[fallthrough]];
    case 1:
      if (!raid1_start_write(id)) return;
      j.stage = 2;
      [[fallthrough]];
    case 2:
      j.stage = 3;
      if (raid1_unplug(id)) return;  // waits for its bitmap writes, or (stage 2) for the mutex
      [[fallthrough]];
    case 3:
      if (j.super_wait && md_.meta_inflight > 0) {
        park(id, md_.super_waiters);
        return;
      }
      j.super_wait = false;
      if (j.unplug_wait && bm_->unplugging > 0) {
        park(id, bm_->unplug_waiters);
        return;
      }
      j.unplug_wait = false;
      end_unplug(id);
      j.stage = 4;
      if (raid1_submit_mirrors(id)) return;
      [[fallthrough]];
    case 4:
      // handle_write_finished: a mirror that failed and keeps a bad-block log is narrowed down
      // block by block instead of being failed.
      raid1_begin_narrow(id);
      j.stage = 5;
      [[fallthrough]];
    case 5:
      if (raid1_narrow_write_error(id)) return;
      j.stage = 6;
      if (j.narrow_recorded) {
        // rdev_set_badblocks asked for a superblock update (MD_SB_CHANGE_PENDING); raid1d keeps
        // the write on bio_end_io_list until it is written.
        j.narrow_recorded = false;
        request_sb_update(false, true, id);
        return;
      }
      [[fallthrough]];
    default:
      raid1_end_write(id);
  }
}

void MdArray::raid1_begin_narrow(JobId id) {
  Job& j = job(id);
  j.narrow_members.clear();
  if (j.kind != kWrite || j.failed_members.empty()) return;
  std::size_t kept = 0;
  j.mirror_failures = 0;
  for (std::uint32_t m : j.failed_members) j.mirror_failures += m != ~0u;
  for (std::uint32_t m : j.failed_members) {
    if (m != ~0u && rdevs_[m].badblocks.enabled() && rdevs_[m].in_array && !rdevs_[m].faulty) {
      if (std::find(j.narrow_members.begin(), j.narrow_members.end(), m) == j.narrow_members.end()) {
        j.narrow_members.push_back(m);
      }
    } else {
      j.failed_members[kept++] = m;
    }
  }
  j.failed_members.resize(kept);
  j.narrow_index = 0;
  j.narrow_sectors = 0;
  j.narrow_sector = j.sector;
}

// narrow_write_error: the failed range is written again one block at a time (the bad-block
// granularity, at least a logical block, aligned on array sectors); each block that fails again
// becomes a bad block (rdev_set_badblocks), and a table that cannot take it fails the member.
// The kernel waits for each retry (submit_bio_wait): one in flight at a time.
bool MdArray::raid1_narrow_write_error(JobId id) {
  Job& j = job(id);
  const std::uint64_t lbs = std::max<std::uint64_t>(1, config_.disk.logical_block_size / 512);
  const std::uint64_t end = j.sector + j.sectors;
  while (j.narrow_index < j.narrow_members.size()) {
    const std::uint32_t m = j.narrow_members[j.narrow_index];
    Rdev& r = rdevs_[m];
    if (j.narrow_sectors > 0) {
      const bool failed = j.failed_members.size() > j.narrow_mark;
      j.failed_members.resize(j.narrow_mark);
      if (failed && !r.faulty) {
        const std::uint64_t abs = config_.disk.data_offset_sectors + j.narrow_sector;
        if (r.badblocks.set(abs, j.narrow_sectors)) {
          j.narrow_recorded = true;
          j.narrow_failed += j.narrow_sectors;
        } else {
          md_error(m);  // the table is full: failing the member is all that is left
        }
      }
      j.narrow_sector += j.narrow_sectors;
      j.narrow_sectors = 0;
    }
    if (r.faulty || !member_writable(m) || j.narrow_sector >= end) {
      if (j.narrow_failed && timeline_enabled_) {
        log(str_cat("raid1: ", r.disk->name(), ": write of sectors ", j.sector, "+", j.sectors,
                    " failed; retried block by block, ", j.narrow_failed,
                    " sectors failed again and are recorded as bad blocks (", r.badblocks.count(),
                    " entries)"));
      }
      j.narrow_failed = 0;
      ++j.narrow_index;
      j.narrow_sector = j.sector;
      continue;
    }
    const std::uint64_t block = std::max<std::uint64_t>(
        (std::uint64_t{1} << r.badblocks.shift()) + lbs - 1, lbs) / lbs * lbs;
    const std::uint64_t next = (j.narrow_sector / block + 1) * block;
    j.narrow_sectors = static_cast<std::uint32_t>(std::min(next, end) - j.narrow_sector);
    j.narrow_mark = static_cast<std::uint32_t>(j.failed_members.size());
    const std::uint64_t rid =
        r.disk->submit_data(config_.disk.data_offset_sectors + j.narrow_sector, j.narrow_sectors,
                            j.stamp, false, id, "data retry");
    expect_completion(j, m, r.disk->write_latency(prng_), rid);
    return true;
  }
  return false;
}

bool MdArray::md_write_start(JobId id) {
  Job& j = job(id);
  if (status_ != ArrayStatus::Running || md_.stopping) {
    finish(id, false, "array is not running");
    return false;
  }
  if (sectors_out_of_range(j.sector, j.sectors)) {
    finish(id, false, "I/O beyond the end of the array");
    return false;
  }
  if (bm_->suspended) {
    park(id, bm_->suspend_waiters);  // RFC: the daemon holds mddev_suspend
    return false;
  }
  if (!j.counted) {
    j.counted = true;
    ++md_.writes_pending;
  }
  // A clean array is marked active on disk before any write proceeds.
  if (md_.in_sync) {
    md_.in_sync = false;
    request_sb_update(false, true, id);
    return false;
  }
  if (md_.sb_update_running) {
    park(id, md_.sb_waiters);
    return false;
  }
  return true;
}

bool MdArray::raid1_start_write(JobId id) {
  Job& j = job(id);
  if (bm_->suspended) {
    park(id, bm_->suspend_waiters);
    return false;
  }
  if (bm_->model) {
    // raid1's barrier against the sync thread's current chunk
    const std::uint64_t cs = j.sector >> bm_->geometry.chunkshift;
    const std::uint64_t ce = (j.sector + j.sectors - 1) >> bm_->geometry.chunkshift;
    if (sync_.chunk >= cs && sync_.chunk <= ce) {
      park(id, r1_.sync_waiters);
      return false;
    }
    if (!bitmap_start_io(id)) return false;
  }
  note_overlapping_writes(id);
  ++r1_.active_io;
  push_job(r1_.active_writes, id);
  return true;
}

void MdArray::note_overlapping_writes(JobId id) {
  const Job& j = job(id);
  if (!bm_->model) return;
  for (JobId other : r1_.active_writes) {
    const Job& o = job(other);
    const std::uint64_t first = std::max(j.sector, o.sector);
    const std::uint64_t end = std::min(j.sector + j.sectors, o.sector + o.sectors);
    if (first >= end) continue;
    const std::uint64_t c0 = first >> bm_->geometry.chunkshift;
    const std::uint64_t c1 = (end - 1) >> bm_->geometry.chunkshift;
    if (r1_.raced.size() <= c1) r1_.raced.resize(std::max(bm_->geometry.chunks, c1 + 1), 0);
    std::fill(r1_.raced.begin() + static_cast<std::ptrdiff_t>(c0),
              r1_.raced.begin() + static_cast<std::ptrdiff_t>(c1 + 1), std::uint8_t{1});
    if (timeline_enabled_) {
      log(str_cat("raid1: two writes in flight over chunks ", c0, "-", c1,
                  " (raid1 does not order them: each mirror may keep either)"));
    }
  }
}

bool MdArray::raid1_unplug(JobId id) {
  Job& j = job(id);
  // The dirty bitmap blocks (upstream) or pages (RFC) go out before the data.
  if (!bm_->model || j.kind != kWrite) return false;
  if (!bm_->model->any_page_dirty()) {
    // Linux 7.2 returns at once, even while another writer's unplug is still writing the blocks
    // that hold this write's bits (the unplug race). The patch waits for unplugs in progress.
    j.unplug_wait = policy_->unplug_waits_for_unplugs && bm_->unplugging > 0 &&
                    !config_.fault_data_before_bitmap;
    return false;
  }
  if (policy_->unplug_waits_for_unplugs && bm_->unplugging > 0 && !j.unplugging) {
    // The patched kernel's unplug_mutex: wait for the unplug in progress, then look again.
    j.stage = 2;
    park(id, bm_->unplug_waiters);
    return true;
  }
  if (policy_->block_writes) {
    // llbitmap_unplug: the work item writes the dirty blocks and md_super_wait waits for every
    // metadata write in flight, not only its own.
    bm_->model->take_dirty_blocks(bm_->unplug_pieces);
    j.super_wait = !bm_->unplug_pieces.empty() && !config_.fault_data_before_bitmap;
    if (policy_->unplug_waits_for_unplugs && !j.unplugging) {
      j.unplugging = true;
      ++bm_->unplugging;
    }
    write_bitmap_pieces(bm_->unplug_pieces, true, id, "unplug");
  } else {
    bm_->model->take_dirty_state_pages(bm_->unplug_pieces);
    write_bitmap_pieces(bm_->unplug_pieces, false, id, "unplug");
  }
  bm_->unplug_pieces.clear();  // drops its references to the written bytes
  return j.outstanding && !config_.fault_data_before_bitmap;
}

// The end of an unplug that counted itself in progress (the patched kernel's atomic_dec_and_test
// and wake_up_all).
void MdArray::end_unplug(JobId id) {
  Job& j = job(id);
  if (!j.unplugging) return;
  j.unplugging = false;
  if (bm_->unplugging > 0 && --bm_->unplugging == 0) wake_all(bm_->unplug_waiters);
}

bool MdArray::raid1_submit_mirrors(JobId id) {
  Job& j = job(id);
  j.failed_members.clear();
  std::uint32_t targets = 0;
  for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
    if (!member_writable(m)) continue;
    const bool discard = j.kind == kDiscard;
    Rdev& r = rdevs_[m];
    const std::uint64_t rid =
        r.disk->submit_data(config_.disk.data_offset_sectors + j.sector, j.sectors,
                            discard ? 0 : j.stamp, j.fua, id, discard ? "discard" : "data");
    expect_completion(j, m, r.disk->write_latency(prng_), rid);
    ++targets;
  }
  j.mirror_targets = targets;
  if (targets == 0) {
    j.failed_members.push_back(~0u);
    return false;
  }
  return j.outstanding;
}

// raid1_end_write_request and md_write_end: errors to md, the bitmap's end, the barrier's
// release, safe mode, and the promise the acknowledged write makes.
void MdArray::raid1_end_write(JobId id) {
  Job& j = job(id);
  std::uint32_t failed = 0;
  for (std::uint32_t m : j.failed_members) {
    if (m != ~0u) {
      md_error(m);
      ++failed;
    }
  }
  // No mirror took the write (R1BIO_Uptodate never set): the user sees an error, even where
  // narrow_write_error recorded bad blocks instead of failing the members.
  const bool all_failed = (j.failed_members.size() > 0 &&
                           (failed == 0 || failed >= config_.members ||
                            std::none_of(rdevs_.begin(), rdevs_.end(), [&](const Rdev& r) {
                              return r.in_array && !r.faulty;
                            }))) ||
                          (j.mirror_targets > 0 && j.mirror_failures >= j.mirror_targets);
  end_unplug(id);
  bitmap_end_io(id);
  auto it = std::find(r1_.active_writes.begin(), r1_.active_writes.end(), id);
  if (it != r1_.active_writes.end()) {
    *it = r1_.active_writes.back();  // a set: order does not matter
    r1_.active_writes.pop_back();
    if (--r1_.active_io == 0) wake_all(r1_.drain_waiters);
  }
  if (sync_.job != kNoJob && job(sync_.job).waiting && !sync_chunk_busy(job(sync_.job).cursor)) {
    wake(sync_.job);
  }
  if (j.counted && --md_.writes_pending == 0) arm_safe_mode();
  if (j.kind == kDiscard && dur_.discards_in_flight > 0) --dur_.discards_in_flight;
  if (dur_.tracking && !all_failed) {
    if (j.kind == kDiscard) {
      promise(j.sector, j.sectors, 0);  // a discard withdraws the promise on its range
    } else if (j.fua) {
      promise(j.sector, j.sectors, j.stamp);
    } else {
      dur_.acked.push_back({j.sector, j.sectors, j.stamp, dur_.ack_seq++});
    }
  }
  finish(id, !all_failed,
         all_failed ? std::string_view("write failed on every mirror") : std::string_view());
}

void MdArray::step_read(JobId id) {
  Job& j = job(id);
  if (j.stage == 0) {
    if (status_ != ArrayStatus::Running) {
      finish(id, false, "array is not running");
      return;
    }
    for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
      if (member_writable(m) && rdevs_[m].in_sync) {
        j.member = m;
        j.stage = 1;
        submit_read(m, id);
        return;
      }
    }
    finish(id, false, "no in-sync member to read from");
    return;
  }
  if (!j.failed_members.empty()) {
    md_error(j.member);
    j.failed_members.clear();
    j.stage = 0;
    resume(id);  // raid1 retries on another mirror
    return;
  }
  finish(id);
}

JobId MdArray::read(std::uint64_t array_sector, std::uint32_t sectors) {
  JobId id = new_job(kRead, false);
  job(id).sector = array_sector;
  job(id).sectors = sectors;
  resume(id);
  return id;
}

JobId MdArray::flush() { return launch(kFlush); }

void MdArray::step_flush(JobId id) {
  Job& j = job(id);
  if (j.stage == 0) {
    j.stage = 1;
    j.cursor = dur_.ack_seq;  // the writes acknowledged before the flush was issued
    for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
      if (member_writable(m)) submit_flush(m, id);
    }
    if (j.outstanding) return;
  }
  if (dur_.tracking && j.failed_members.empty()) {
    std::size_t kept = 0;
    for (const Promises::Acked& a : dur_.acked) {
      if (a.seq < j.cursor) {
        promise(a.sector, a.sectors, a.stamp);
      } else {
        dur_.acked[kept++] = a;
      }
    }
    dur_.acked.resize(kept);
  }
  finish(id);
}

void MdArray::promise(std::uint64_t sector, std::uint32_t sectors, std::uint64_t stamp) {
  if (dur_.promised.size() < md_.array_sectors) dur_.promised.resize(md_.array_sectors, 0);
  if (sector + sectors > dur_.promised.size()) return;
  std::fill_n(dur_.promised.begin() + static_cast<std::ptrdiff_t>(sector), sectors, stamp);
  if (dur_.log) dur_.log->push_back({sector, sectors});
}

void MdArray::inject_write_errors(std::uint32_t member, std::uint32_t count) {
  rdevs_[member].disk->inject_write_errors(count);
}

void MdArray::add_media_defect(std::uint32_t member, std::uint64_t array_sector,
                               std::uint64_t sectors) {
  rdevs_[member].disk->add_media_defect(config_.disk.data_offset_sectors + array_sector, sectors);
  log(str_cat(rdevs_[member].disk->name(), ": media defect under array sectors ", array_sector, "+",
              sectors, ": writes there fail from now on"));
}

bool MdArray::chunk_has_bad_blocks(std::uint64_t chunk) const {
  if (!bm_->model) return false;
  const Geometry& g = bm_->geometry;
  return range_has_bad_blocks(g.chunk_start_sector(chunk), g.chunk_sectors(chunk));
}

bool MdArray::range_has_bad_blocks(std::uint64_t array_sector, std::uint64_t sectors) const {
  const std::uint64_t s = config_.disk.data_offset_sectors + array_sector;
  for (const Rdev& r : rdevs_) {
    if (r.badblocks.count() && r.badblocks.overlaps(s, sectors)) return true;
  }
  return false;
}

bool MdArray::any_bad_blocks() const {
  for (const Rdev& r : rdevs_) {
    if (r.badblocks.count()) return true;
  }
  return false;
}

}  // namespace llb::sim
