// The simulated array's core: the event loop, the job table, and disk I/O submission and
// completion. The kernel areas live beside it: md/md_core.cc, raid1/, llbitmap/, sync/, lifecycle/.

#include "sim/md/md_array.h"

#include <algorithm>

#include "sim/md/md_array_job.h"

namespace llb::sim {

void push_job_slow(std::vector<JobId>& v, JobId id) { v.push_back(id); }

MdArray::MdArray(const ArrayConfig& config, std::uint64_t seed)
    : config_(config), policy_(&kernel_policy(config.kernel)), prng_(seed), bm_(new_llbitmap_state()) {
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
  md_.array_sectors = config_.disk.size_bytes / 512 - config_.disk.data_offset_sectors;
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
    if (sync_.job != kNoJob || md_.sb_update_running) return true;
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

JobId MdArray::launch(int kind, std::uint32_t member) {
  const JobId id = new_job(kind, false);
  jobs_[id]->member = member;
  resume(id);
  return id;
}

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
  if (w.kind == DiskWriteKind::Meta) ++md_.meta_inflight;
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
  if (config_.live_pages) refetch_live_bitmap_write(member, id);
  Completion c;
  rdevs_[member].disk->complete(id, c);
  if (c.found && !c.is_read && c.kind == DiskWriteKind::Meta && md_.meta_inflight > 0 &&
      --md_.meta_inflight == 0) {
    wake_all(md_.super_waiters);
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

}  // namespace llb::sim
