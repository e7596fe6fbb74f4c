#include "sim/md/md_array.h"

#include <algorithm>

#include "libformat/codec/create.h"
#include "libformat/codec/endian.h"
#include "libformat/codec/llbitmap_validate.h"
#include "libformat/io/md_locate.h"
#include "sim/core/disk_device.h"
#include "sim/md/md_array_job.h"

namespace llb::sim {

namespace {
constexpr std::uint64_t kIncarnationShift = 40;
constexpr std::uint64_t kLowMask = (std::uint64_t{1} << kIncarnationShift) - 1;

// push_back for the job-id lists the write path touches on every write (finished, free, active
// writes): the compiler keeps std::vector's push_back out of line; with room, it is one store.
[[gnu::noinline]] void push_job_slow(std::vector<JobId>& v, JobId id) { v.push_back(id); }
[[gnu::always_inline]] inline void push_job(std::vector<JobId>& v, JobId id) {
  if (v.size() < v.capacity()) [[likely]] {
    v.push_back(id);
  } else {
    push_job_slow(v, id);
  }
}
}  // namespace

MdArray::MdArray(const ArrayConfig& config, std::uint64_t seed)
    : config_(config), policy_(&kernel_policy(config.kernel)), prng_(seed) {
  for (std::uint32_t i = 0; i < config_.members; ++i) {
    Rdev r;
    std::string name = std::string("vd") + static_cast<char>('a' + i);
    r.disk = std::make_unique<SimDisk>(name, config_.disk);
    r.dev_number = i;
    r.role = static_cast<std::uint16_t>(i);
    for (int b = 0; b < 16; ++b) r.device_uuid[b] = static_cast<std::uint8_t>(prng_.next());
    r.in_array = false;
    rdevs_.push_back(std::move(r));
  }
  array_sectors_ = config_.disk.size_bytes / 512 - config_.disk.data_offset_sectors;
}

MdArray::~MdArray() = default;

const JobResult& MdArray::result(JobId job) const { return jobs_[job]->result; }

// ---------------------------------------------------------------------------------------------
// event loop

void MdArray::log(std::string what) {
  if (timeline_enabled_) timeline_.push_back({now_, std::move(what)});
}

void MdArray::hash_event(const Event& e) {
  // The event's fields are mixed apart from the running hash (independent multiplies), then the
  // result enters the chain in one step: the chain, carried from event to event, stays short.
  const std::uint64_t v = ((e.at ^ (static_cast<std::uint64_t>(e.kind) << 56)) * 0x9e3779b97f4a7c15ull) ^
                          (e.a * 0xc2b2ae3d27d4eb4full) ^ (e.b * 0x165667b19e3779f9ull);
  event_hash_ = (event_hash_ ^ v) * 0x100000001b3ull;
  event_hash_ ^= event_hash_ >> 29;
}

bool MdArray::step() {
  Event e;
  if (!queue_.pop(e)) return false;
  now_ = e.at;
  ++events_processed_;
  hash_event(e);
  const bool current = (e.b >> kIncarnationShift) == incarnation_;
  switch (e.kind) {
    case EventKind::DiskIoComplete:
      if (current) on_io_complete(e.a, e.b & kLowMask);
      break;
    case EventKind::DaemonTimer: on_daemon_timer(e.b); break;
    case EventKind::SafeModeTimer: on_safe_mode_timer(e.b); break;
    case EventKind::WritebackTimer: on_writeback_timer(e.b); break;
    case EventKind::MdThread:
      if (current) on_md_thread();
      break;
    case EventKind::Wakeup:
      if (current && e.a < jobs_.size()) {
        Job& j = *jobs_[e.a];
        if (j.generation == (e.b & kLowMask) && j.waiting && !j.result.done) {
          j.waiting = false;
          resume(e.a);
        }
      }
      break;
    default: break;
  }
  if (observer_) observer_(e);
  return true;
}

void MdArray::run_until(Tick t) {
  while (!queue_.empty() && queue_.top().at < t) step();
  if (now_ < t) now_ = t;
}

bool MdArray::run_until_done(JobId id, Tick limit) {
  while (!jobs_[id]->result.done) {
    if (queue_.empty() || queue_.top().at > limit) return false;
    step();
  }
  return true;
}

bool MdArray::run_until_idle(Tick limit) {
  auto busy = [this] {
    if (sync_job_ != kNoJob || sb_update_running_) return true;
    for (const auto& r : rdevs_) {
      if (!r.disk->inflight().empty()) return true;
    }
    return false;
  };
  while (busy()) {
    if (queue_.empty() || queue_.top().at > limit) return false;
    step();
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// jobs

JobId MdArray::new_job(int kind, bool internal) {
  JobId id;
  if (!free_jobs_.empty()) {
    id = free_jobs_.back();
    free_jobs_.pop_back();
  } else {
    jobs_.push_back(std::make_unique<Job>());
    done_.push_back(0);
    id = static_cast<JobId>(jobs_.size() - 1);
  }
  jobs_[id]->reset(kind);
  done_[id] = 0;
  jobs_[id]->internal = internal;
  return id;
}

void MdArray::release(JobId id) {
  if (id < jobs_.size() && done_[id]) push_job(free_jobs_, id);
}

void MdArray::mark_done(JobId id) {
  Job& j = *jobs_[id];
  j.result.done = true;
  done_[id] = 1;
  if (collect_finished_ && !j.internal) push_job(finished_, id);
}

void MdArray::finish(JobId id, bool ok, std::string_view error) {
  Job& j = *jobs_[id];
  if (j.result.done) return;
  mark_done(id);
  j.result.ok = ok;
  if (!error.empty()) j.result.error = error;
  if (j.parent != kNoJob) wake(j.parent);
  if (j.internal) push_job(free_jobs_, id);
}

void MdArray::park(JobId id, std::vector<JobId>& list) {
  jobs_[id]->waiting = true;
  list.push_back(id);
}

void MdArray::wake(JobId id) {
  queue_.schedule(now_, EventKind::Wakeup, id,
                  (incarnation_ << kIncarnationShift) | jobs_[id]->generation);
}

void MdArray::wake_all(std::vector<JobId>& waiters) {
  std::vector<JobId> w;
  w.swap(waiters);
  for (JobId id : w) wake(id);
}

void MdArray::start_child(JobId parent, JobId child) {
  jobs_[parent]->waiting = true;
  jobs_[child]->parent = parent;
  resume(child);
}

void MdArray::resume(JobId id) {
  Job& j = *jobs_[id];
  if (j.result.done || j.outstanding > 0) return;
  switch (j.kind) {
    case kWrite:
    case kDiscard: step_write(id); break;
    case kRead: step_read(id); break;
    case kFlush: step_flush(id); break;
    case kSbUpdate: step_sb_update(id); break;
    case kDaemon: step_daemon(id); break;
    case kSync: step_sync(id); break;
    case kStop:
    case kPoweroff: step_stop(id); break;
    case kCreate: step_create(id); break;
    case kAssemble: step_assemble(id); break;
    case kFail: step_fail(id); break;
    case kRemove: step_remove(id); break;
    case kReadd: step_readd(id); break;
    case kBackgroundIo: finish(id); break;
  }
}

// ---------------------------------------------------------------------------------------------
// disk I/O

bool MdArray::member_writable(std::uint32_t m) const {
  const Rdev& r = rdevs_[m];
  return r.in_array && !r.faulty;
}

void MdArray::expect_completion(Job& waiter, std::uint32_t member, Tick latency, std::uint64_t id) {
  ++waiter.outstanding;
  queue_.schedule(now_ + latency, EventKind::DiskIoComplete, member,
                  (incarnation_ << kIncarnationShift) | id);
}

void MdArray::submit(std::uint32_t member, DiskWrite&& w, JobId owner) {
  Rdev& r = rdevs_[member];
  w.owner = owner;
  if (w.kind == DiskWriteKind::Meta) ++meta_inflight_;
  const std::uint64_t id = r.disk->submit_write(std::move(w));
  expect_completion(*jobs_[owner], member, r.disk->write_latency(prng_), id);
}

void MdArray::submit_flush(std::uint32_t member, JobId owner) {
  Rdev& r = rdevs_[member];
  const std::uint64_t id = r.disk->submit_flush(owner);
  expect_completion(*jobs_[owner], member, r.disk->flush_latency(prng_), id);
}

void MdArray::submit_read(std::uint32_t member, JobId owner) {
  Rdev& r = rdevs_[member];
  Job& j = *jobs_[owner];
  const std::uint64_t id =
      r.disk->submit_read(config_.disk.data_offset_sectors + j.sector, j.sectors, owner);
  expect_completion(j, member, r.disk->read_latency(prng_), id);
}

void MdArray::on_io_complete(std::uint32_t member, std::uint64_t id) {
  Completion c;
  rdevs_[member].disk->complete(id, c);
  if (c.found && !c.is_read && c.kind == DiskWriteKind::Meta && meta_inflight_ > 0 &&
      --meta_inflight_ == 0) {
    wake_all(super_waiters_);
  }
  if (!c.found || c.owner >= jobs_.size()) return;
  Job& j = *jobs_[c.owner];
  if (!c.ok) j.failed_members.push_back(member);
  if (c.is_read && c.ok && (j.kind == kRead || j.kind == kSync)) {
    const auto& d = rdevs_[member].disk->data_current();
    j.result.read_stamps.resize(j.sectors);
    d.read(j.sector, j.sectors, j.result.read_stamps.data());
  }
  if (j.outstanding > 0 && --j.outstanding == 0) resume(c.owner);
}

void MdArray::write_bitmap_pieces(const std::vector<BitmapWrite>& pieces, bool preflush,
                                  JobId owner, const char* why) {
  if (pieces.empty()) return;
  const std::uint64_t base = geometry_.bitmap_offset_bytes;
  for (const auto& p : pieces) {
    for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
      if (!member_writable(m)) continue;
      Rdev& r = rdevs_[m];
      ++meta_inflight_;
      const std::uint64_t rid =
          r.disk->submit_meta((base + p.offset) / 512, p.bytes, true, preflush, owner, "bitmap");
      expect_completion(*jobs_[owner], m, r.disk->write_latency(prng_), rid);
    }
  }
  if (timeline_enabled_) {
    const bool blocks = policy_->block_writes;
    std::string which;
    for (const auto& p : pieces) {
      if (!which.empty()) which += ",";
      which += std::to_string(blocks ? p.offset / bitmap_->io_size() : p.page);
    }
    log(str_cat("bitmap write (", why, "): ", blocks ? "blocks " : "pages ", which,
                preflush ? " [PREFLUSH|FUA]" : " [FUA, no PREFLUSH]"));
  }
}

// ---------------------------------------------------------------------------------------------
// md: superblocks, safe mode, errors

bool MdArray::degraded() const {
  std::uint32_t in_sync = 0;
  for (const Rdev& r : rdevs_) {
    if (r.in_array && !r.faulty && r.in_sync) ++in_sync;
  }
  return in_sync < config_.members;
}

void MdArray::request_sb_update(bool force_change, bool clean_transition, JobId waiter) {
  sb_force_change_ = sb_force_change_ || force_change;
  sb_clean_transition_ = sb_clean_transition_ || clean_transition;
  if (waiter != kNoJob) park(waiter, sb_waiters_);
  if (sb_update_running_) {
    sb_update_wanted_ = true;
    return;
  }
  start_sb_update();
}

void MdArray::start_sb_update() {
  sb_update_running_ = true;
  sb_update_wanted_ = false;
  resume(new_job(kSbUpdate, true));
}

void MdArray::encode_superblocks() {
  for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
    MdSuperblock& sb = md_sbs_[m];
    sb.events = events_;
    sb.utime = config_.ctime_seconds + now_ / kTicksPerSecond;
    sb.resync_offset = in_sync_ ? resync_offset_ : 0;
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
      bool nospares = sb_clean_transition_ && !sb_force_change_;
      sb_clean_transition_ = sb_force_change_ = false;
      if (degraded()) nospares = false;
      if (nospares && in_sync_ && resync_offset_ == kMaxSector && can_decrease_events_ &&
          events_ != 1) {
        --events_;
        can_decrease_events_ = false;
      } else {
        ++events_;
        can_decrease_events_ = nospares;
      }
      log(str_cat("md_update_sb: events ", events_, in_sync_ ? " (clean)" : " (active)"));
      encode_superblocks();
      j.stage = 1;
      if (bitmap_) {
        // llbitmap_update_sb: these fields, into the in-memory superblock page, then written.
        if (events_ < bitmap_sb_.events_cleared) bitmap_sb_.events_cleared = events_;
        bitmap_->edit_superblock([&](std::span<std::uint8_t> sb) {
          put_le64(sb, bmsb::kEvents, events_);
          put_le32(sb, bmsb::kState, bitmap_flags_ & ~(1u << kBitmapShutdown));
          put_le32(sb, bmsb::kChunksize, geometry_.chunksize_sectors);
          put_le64(sb, bmsb::kSyncSize, array_sectors_);
          put_le64(sb, bmsb::kEventsCleared, bitmap_sb_.events_cleared);
          put_le32(sb, bmsb::kSectorsReserved, bitmap_sb_.sectors_reserved);
          put_le32(sb, bmsb::kDaemonSleep, config_.daemon_sleep_s);
        });
        if (policy_->block_writes) {
          write_bitmap_pieces(bitmap_->superblock_blocks(), true, id, "update_sb");
        } else {
          write_bitmap_pieces({bitmap_->take_superblock_page()}, false, id, "update_sb");
        }
        if (j.outstanding) return;
      }
      [[fallthrough]];
    }
    case 1: {
      j.stage = 2;
      for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
        if (!member_writable(m)) continue;
        std::vector<std::uint8_t> full(kMdSbMaxBytes, 0);
        (void)encode_md_superblock(md_sbs_[m], full);
        DiskWrite w;
        w.kind = DiskWriteKind::Meta;
        w.sector = md_sbs_[m].super_offset;
        const std::size_t size = (md_sbs_[m].checksummed_bytes() + 511) / 512 * 512;
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
      sb_update_running_ = false;
      finish(id);
      if (sb_update_wanted_) {
        start_sb_update();
      } else {
        wake_all(sb_waiters_);
      }
      return;
  }
}

void MdArray::arm_safe_mode() {
  if (config_.safe_mode_delay_ms == 0 || status_ != ArrayStatus::Running) return;
  ++safe_mode_generation_;
  queue_.schedule(now_ + Tick{config_.safe_mode_delay_ms} * kTicksPerMs, EventKind::SafeModeTimer,
                  0, safe_mode_generation_);
}

void MdArray::on_safe_mode_timer(std::uint64_t generation) {
  if (generation != safe_mode_generation_ || status_ != ArrayStatus::Running || stopping_) return;
  if (writes_pending_ == 0 && !in_sync_ && resync_offset_ == kMaxSector) {
    in_sync_ = true;
    log("safe mode: array marked clean");
    request_sb_update(false, true, kNoJob);
  }
}

void MdArray::wake_md_thread() {
  if (md_thread_scheduled_) return;
  md_thread_scheduled_ = true;
  queue_.schedule(now_ + config_.md_thread_latency, EventKind::MdThread, 0,
                  incarnation_ << kIncarnationShift);
}

void MdArray::on_md_thread() {
  // md_check_recovery: reaping a finished sync writes the superblocks (and so consumes any
  // pending MD_SB_CHANGE_CLEAN); otherwise pending flags are written on their own.
  md_thread_scheduled_ = false;
  if (status_ != ArrayStatus::Running) return;
  if (md_reap_pending_) {
    md_reap_pending_ = md_clean_pending_ = false;
    if (md_reap_resync_) {
      resync_offset_ = kMaxSector;
      if (writes_pending_ == 0) in_sync_ = true;
    }
    request_sb_update(true, false, kNoJob);
  } else if (md_clean_pending_) {
    md_clean_pending_ = false;
    request_sb_update(false, true, kNoJob);
  }
}

void MdArray::md_error(std::uint32_t member) {
  Rdev& r = rdevs_[member];
  if (r.faulty || !r.in_array) return;
  r.faulty = true;
  r.in_sync = false;
  log(str_cat("md_error: ", r.disk->name(), " failed, array degraded"));
  if (sync_job_ != kNoJob) job(sync_job_).abort = true;
  JobId id = new_job(kFail, true);
  job(id).member = member;
  job(id).stage = 1;  // the failure is recorded; go on with its consequences
  resume(id);
}

// ---------------------------------------------------------------------------------------------
// bitmap: timers and the daemon

std::pair<std::uint64_t, std::uint64_t> MdArray::page_chunk_range(std::uint32_t page) const {
  const std::uint64_t per = kBitmapPageBytes;
  const std::uint64_t off = geometry_.data_offset_bytes;
  const std::uint64_t first_pos = std::max<std::uint64_t>(std::uint64_t{page} * per, off);
  const std::uint64_t last_pos = std::uint64_t{page + 1} * per - 1;
  const std::uint64_t first = first_pos - off;
  const std::uint64_t last = std::min<std::uint64_t>(last_pos - off, geometry_.chunks - 1);
  return {first, last};
}

void MdArray::arm_daemon_timer(Tick delay) {
  const Tick at = now_ + delay;
  ++daemon_timer_generation_;
  daemon_timer_at_ = at;
  queue_.schedule(at, EventKind::DaemonTimer, 0, daemon_timer_generation_);
}

void MdArray::bitmap_pass_effects(const PassResult& r) {
  if (r.arm_daemon_timer && !bitmap_shutdown_ && daemon_timer_at_ == kNever) {
    arm_daemon_timer(Tick{config_.daemon_sleep_s} * kTicksPerSecond);
  }
  if (r.rfc_timer_now && !bitmap_shutdown_) {
    // timer_reduce to jiffy 1: the timer fires at the next jiffy unless it already would.
    const Tick next_jiffy = (now_ / kTicksPerJiffy + 1) * kTicksPerJiffy;
    if (daemon_timer_at_ > next_jiffy) arm_daemon_timer(next_jiffy - now_);
  }
  if (r.need_resync && sync_job_ == kNoJob && status_ == ArrayStatus::Running && !stopping_ &&
      !degraded()) {
    start_sync_job(false, false);
  }
}

void MdArray::on_daemon_timer(std::uint64_t generation) {
  if (generation != daemon_timer_generation_) return;
  daemon_timer_at_ = kNever;
  if (!bitmap_ || bitmap_shutdown_ || status_ != ArrayStatus::Running) return;
  if (daemon_job_ != kNoJob) {
    // "daemon_work not finished": upstream sets DAEMON_BUSY so the daemon retries; the RFC
    // just returns.
    if (policy_->daemon_busy_retry) job(daemon_job_).busy_retry = true;
    return;
  }
  start_daemon_job();
}

JobId MdArray::start_daemon_job() {
  daemon_job_ = new_job(kDaemon, true);
  resume(daemon_job_);
  return daemon_job_;
}

void MdArray::daemon_page(std::uint32_t page) {
  auto [first, last] = page_chunk_range(page);
  PassResult r = bitmap_->apply(first, last, Action::Daemon, degraded(), now_);
  bitmap_pass_effects(r);
  PageCtl& p = bitmap_->page(page);
  p.expire = kNever;  // llbitmap_resume
  p.suspended = false;
  wake_all(page_waiters_[page]);
}

void MdArray::step_daemon(JobId id) {
  Job& j = job(id);
  if (!policy_->page_barriers) {
    // md_llbitmap_daemon_fn: mddev_suspend, Daemon over every chunk, mddev_resume.
    if (j.stage == 0) {
      suspended_ = true;
      j.stage = 1;
    }
    if (active_io_ > 0) {
      park(id, drain_waiters_);
      return;
    }
    PassResult r = bitmap_->apply(0, geometry_.chunks - 1, Action::Daemon, degraded(), now_);
    bitmap_pass_effects(r);
    suspended_ = false;
    wake_all(suspend_waiters_);
    log("daemon (rfc): Dirty -> Clean over every chunk, in the page cache");
    daemon_job_ = kNoJob;
    finish(id);
    return;
  }
  if (j.stage == 0) {
    if (bitmap_shutdown_ || degraded()) {
      daemon_job_ = kNoJob;
      finish(id);
      return;
    }
    j.stage = 1;
    j.cursor = 0;
    j.restart = false;
  }
  while (true) {
    while (j.cursor < bitmap_->pages()) {
      const auto idx = static_cast<std::uint32_t>(j.cursor);
      PageCtl& p = bitmap_->page(idx);
      if (j.stage == 2) {
        // woken: the page drained, or the suspension timed out
        if (p.active == 0) {
          daemon_page(idx);
        } else if (now_ >= j.deadline) {
          p.suspended = false;  // percpu_ref_resurrect
          wake_all(page_waiters_[idx]);
          log(str_cat("daemon: page ", idx, " busy for daemon_sleep, skipped"));
        } else {
          park(id, page_waiters_[idx]);
          return;
        }
        j.stage = 1;
        ++j.cursor;
        continue;
      }
      if (!p.flush && now_ < p.expire) {
        j.restart = true;
        ++j.cursor;
        continue;
      }
      p.suspended = true;
      if (p.active > 0) {
        j.stage = 2;
        j.deadline = now_ + Tick{config_.daemon_sleep_s} * kTicksPerSecond;
        park(id, page_waiters_[idx]);
        queue_.schedule(j.deadline, EventKind::Wakeup, id,
                        (incarnation_ << kIncarnationShift) | j.generation);
        return;
      }
      daemon_page(idx);
      ++j.cursor;
    }
    if (!j.busy_retry) break;
    j.busy_retry = false;
    j.cursor = 0;
    j.restart = false;
  }
  log("daemon: expired pages Dirty -> Clean, in memory only");
  if (j.restart && !bitmap_shutdown_) {
    arm_daemon_timer(Tick{config_.daemon_sleep_s} * kTicksPerSecond);
  }
  daemon_job_ = kNoJob;
  finish(id);
}

void MdArray::start_writeback_timer() {
  if (!policy_->page_cache_writeback || config_.rfc_writeback_interval == 0) return;
  ++writeback_generation_;
  queue_.schedule(now_ + config_.rfc_writeback_interval, EventKind::WritebackTimer, 0,
                  writeback_generation_);
}

void MdArray::on_writeback_timer(std::uint64_t generation) {
  if (generation != writeback_generation_ || !bitmap_ || status_ != ArrayStatus::Running) return;
  // The page cache's flusher writes bitmap pages dirty for longer than dirty_expire.
  if (now_ >= config_.rfc_writeback_expire) {
    auto pages = bitmap_->take_expired_pages(now_ - config_.rfc_writeback_expire);
    if (!pages.empty()) {
      JobId id = new_job(kBackgroundIo, true);
      write_bitmap_pieces(pages, false, id, "page-cache writeback");
      if (job(id).outstanding == 0) finish(id);
    }
  }
  start_writeback_timer();
}

// ---------------------------------------------------------------------------------------------
// user I/O

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
  ++discards_in_flight_;
  j.sector = array_sector;
  j.sectors = sectors;
  resume(id);
  return id;
}

bool MdArray::sync_chunk_busy(std::uint64_t chunk) const {
  for (JobId w : active_writes_) {
    const Job& j = *jobs_[w];
    if (j.has_chunks && j.chunk_start <= chunk && chunk <= j.chunk_end) return true;
  }
  return false;
}

bool MdArray::bitmap_start_io(JobId id) {
  Job& j = job(id);
  const Geometry& g = geometry_;
  if (j.kind == kDiscard) {
    // llbitmap_start_discard: from the first chunk the discard starts at or after, to the last
    // chunk it touches, even partly.
    j.chunk_start = (j.sector + g.chunksize_sectors - 1) >> g.chunkshift;
    j.chunk_end = (j.sector + j.sectors - 1) >> g.chunkshift;
  } else {
    j.chunk_start = j.sector >> g.chunkshift;
    j.chunk_end = (j.sector + j.sectors - 1) >> g.chunkshift;
  }
  j.has_chunks = j.chunk_start <= j.chunk_end;
  if (!j.has_chunks) return true;
  if (policy_->page_barriers) {
    j.page_start = bitmap_->page_of_chunk(j.chunk_start);
    j.page_end = bitmap_->page_of_chunk(j.chunk_end);
    for (std::uint32_t p = j.page_start; p <= j.page_end; ++p) {
      if (bitmap_->page(p).suspended) {
        park(id, page_waiters_[p]);  // wait_event until the daemon resumes the page
        return false;
      }
    }
    for (std::uint32_t p = j.page_start; p <= j.page_end; ++p) {
      PageCtl& pc = bitmap_->page(p);
      ++pc.active;
      pc.expire = now_ + Tick{config_.barrier_idle_s} * kTicksPerSecond;
    }
  }
  const Action a = j.kind == kDiscard ? Action::Discard : Action::Startwrite;
  PassResult r = bitmap_->apply(j.chunk_start, j.chunk_end, a, degraded(), now_);
  bitmap_pass_effects(r);
  j.bitmap_started = true;
  return true;
}

void MdArray::bitmap_end_io(JobId id) {
  Job& j = job(id);
  if (!j.bitmap_started || !j.has_chunks) return;
  if (policy_->page_barriers && bitmap_) {
    for (std::uint32_t p = j.page_start; p <= j.page_end; ++p) {
      PageCtl& pc = bitmap_->page(p);
      if (pc.active > 0 && --pc.active == 0 && pc.suspended) wake_all(page_waiters_[p]);
    }
  }
  j.bitmap_started = false;
}

void MdArray::step_write(JobId id) {
  Job& j = job(id);
  switch (j.stage) {
    case 0:
      if (status_ != ArrayStatus::Running || stopping_) {
        finish(id, false, "array is not running");
        return;
      }
      if (sectors_out_of_range(j.sector, j.sectors)) {
        finish(id, false, "I/O beyond the end of the array");
        return;
      }
      if (suspended_) {
        park(id, suspend_waiters_);  // RFC: the daemon holds mddev_suspend
        return;
      }
      if (!j.counted) {
        j.counted = true;
        ++writes_pending_;
      }
      // md_write_start: a clean array is marked active on disk before any write proceeds.
      if (in_sync_) {
        in_sync_ = false;
        request_sb_update(false, true, id);
        return;
      }
      if (sb_update_running_) {
        park(id, sb_waiters_);
        return;
      }
      j.stage = 1;
      [[fallthrough]];
    case 1:
      if (suspended_) {
        park(id, suspend_waiters_);
        return;
      }
      if (bitmap_) {
        // raid1's barrier against the sync thread's current chunk
        const std::uint64_t cs = j.sector >> geometry_.chunkshift;
        const std::uint64_t ce = (j.sector + j.sectors - 1) >> geometry_.chunkshift;
        if (sync_chunk_ >= cs && sync_chunk_ <= ce) {
          park(id, sync_waiters_);
          return;
        }
        if (!bitmap_start_io(id)) return;
      }
      ++active_io_;
      push_job(active_writes_, id);
      j.stage = 2;
      [[fallthrough]];
    case 2: {
      j.stage = 3;
      // unplug: the dirty bitmap blocks (upstream) or pages (RFC) go out before the data.
      if (bitmap_ && j.kind == kWrite && bitmap_->any_page_dirty()) {
        if (policy_->block_writes) {
          // llbitmap_unplug: nothing dirty returns at once (even while another writer's blocks
          // are still in flight); otherwise the work item writes the dirty blocks and
          // md_super_wait waits for every metadata write in flight, not only its own.
          bitmap_->take_dirty_blocks(unplug_pieces_);
          j.super_wait = !unplug_pieces_.empty() && !config_.fault_data_before_bitmap;
          write_bitmap_pieces(unplug_pieces_, true, id, "unplug");
        } else {
          bitmap_->take_dirty_state_pages(unplug_pieces_);
          write_bitmap_pieces(unplug_pieces_, false, id, "unplug");
        }
        unplug_pieces_.clear();  // drops its references to the written bytes
        if (j.outstanding && !config_.fault_data_before_bitmap) return;
      }
      [[fallthrough]];
    }
    case 3: {
      if (j.super_wait && meta_inflight_ > 0) {
        park(id, super_waiters_);
        return;
      }
      j.super_wait = false;
      j.stage = 4;
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
      if (targets == 0) {
        j.failed_members.push_back(~0u);
      } else if (j.outstanding) {
        return;
      }
      [[fallthrough]];
    }
    default: {
      std::uint32_t failed = 0;
      for (std::uint32_t m : j.failed_members) {
        if (m != ~0u) {
          md_error(m);
          ++failed;
        }
      }
      const bool all_failed = j.failed_members.size() > 0 &&
                              (failed == 0 || failed >= config_.members ||
                               std::none_of(rdevs_.begin(), rdevs_.end(), [&](const Rdev& r) {
                                 return r.in_array && !r.faulty;
                               }));
      bitmap_end_io(id);
      auto it = std::find(active_writes_.begin(), active_writes_.end(), id);
      if (it != active_writes_.end()) {
        *it = active_writes_.back();  // a set: order does not matter
        active_writes_.pop_back();
        if (--active_io_ == 0) wake_all(drain_waiters_);
      }
      if (sync_job_ != kNoJob && job(sync_job_).waiting && !sync_chunk_busy(job(sync_job_).cursor)) {
        wake(sync_job_);
      }
      if (j.counted && --writes_pending_ == 0) arm_safe_mode();
      if (j.kind == kDiscard && discards_in_flight_ > 0) --discards_in_flight_;
      if (tracking_promises_ && !all_failed) {
        if (j.kind == kDiscard) {
          promise(j.sector, j.sectors, 0);  // a discard withdraws the promise on its range
        } else if (j.fua) {
          promise(j.sector, j.sectors, j.stamp);
        } else {
          acked_.push_back({j.sector, j.sectors, j.stamp, ack_seq_++});
        }
      }
      finish(id, !all_failed,
             all_failed ? std::string_view("write failed on every mirror") : std::string_view());
      return;
    }
  }
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

JobId MdArray::flush() {
  JobId id = new_job(kFlush, false);
  resume(id);
  return id;
}

void MdArray::step_flush(JobId id) {
  Job& j = job(id);
  if (j.stage == 0) {
    j.stage = 1;
    j.cursor = ack_seq_;  // the writes acknowledged before the flush was issued
    for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
      if (member_writable(m)) submit_flush(m, id);
    }
    if (j.outstanding) return;
  }
  if (tracking_promises_ && j.failed_members.empty()) {
    std::size_t kept = 0;
    for (const Acked& a : acked_) {
      if (a.seq < j.cursor) {
        promise(a.sector, a.sectors, a.stamp);
      } else {
        acked_[kept++] = a;
      }
    }
    acked_.resize(kept);
  }
  finish(id);
}

void MdArray::promise(std::uint64_t sector, std::uint32_t sectors, std::uint64_t stamp) {
  if (promised_.size() < array_sectors_) promised_.resize(array_sectors_, 0);
  if (sector + sectors > promised_.size()) return;
  std::fill_n(promised_.begin() + static_cast<std::ptrdiff_t>(sector), sectors, stamp);
  if (promise_log_) promise_log_->push_back({sector, sectors});
}

void MdArray::inject_write_errors(std::uint32_t member, std::uint32_t count) {
  rdevs_[member].disk->inject_write_errors(count);
}

}  // namespace llb::sim
