// The llbitmap daemon (md-llbitmap.c's daemon work and timers), and the RFC's page-cache flusher.

#include "sim/llbitmap/llbitmap_state.h"
#include "sim/md/md_array.h"
#include "sim/md/md_array_job.h"

namespace llb::sim {

void MdArray::arm_daemon_timer(Tick delay) {
  const Tick at = now_ + delay;
  ++bm_->daemon_timer_generation;
  bm_->daemon_timer_at = at;
  queue_.schedule(at, EventKind::DaemonTimer, 0, bm_->daemon_timer_generation);
}

void MdArray::on_daemon_timer(std::uint64_t generation) {
  if (generation != bm_->daemon_timer_generation) return;
  bm_->daemon_timer_at = kNever;
  if (!bm_->model || bm_->shutdown || status_ != ArrayStatus::Running) return;
  if (bm_->daemon_job != kNoJob) {
    // "daemon_work not finished": upstream sets DAEMON_BUSY so the daemon retries; the RFC
    // just returns.
    if (policy_->daemon_busy_retry) job(bm_->daemon_job).busy_retry = true;
    return;
  }
  start_daemon_job();
}

JobId MdArray::start_daemon_job() {
  bm_->daemon_job = new_job(kDaemon, true);
  resume(bm_->daemon_job);
  return bm_->daemon_job;
}

void MdArray::daemon_page(std::uint32_t page) {
  auto [first, last] = page_chunk_range(page);
  PassResult r = bm_->model->apply(first, last, Action::Daemon, degraded(), now_);
  bitmap_pass_effects(r);
  PageCtl& p = bm_->model->page(page);
  p.expire = kNever;  // llbitmap_resume
  p.suspended = false;
  wake_all(bm_->page_waiters[page]);
}

void MdArray::step_daemon(JobId id) {
  Job& j = job(id);
  if (!policy_->page_barriers) {
    // md_llbitmap_daemon_fn: mddev_suspend, Daemon over every chunk, mddev_resume.
    if (j.stage == 0) {
      bm_->suspended = true;
      j.stage = 1;
    }
    if (r1_.active_io > 0) {
      park(id, r1_.drain_waiters);
      return;
    }
    PassResult r = bm_->model->apply(0, bm_->geometry.chunks - 1, Action::Daemon, degraded(), now_);
    bitmap_pass_effects(r);
    bm_->suspended = false;
    wake_all(bm_->suspend_waiters);
    log("daemon (rfc): Dirty -> Clean over every chunk, in the page cache");
    bm_->daemon_job = kNoJob;
    finish(id);
    return;
  }
  if (j.stage == 0) {
    if (bm_->shutdown || degraded()) {
      bm_->daemon_job = kNoJob;
      finish(id);
      return;
    }
    j.stage = 1;
    j.cursor = 0;
    j.restart = false;
  }
  while (true) {
    while (j.cursor < bm_->model->pages()) {
      const auto idx = static_cast<std::uint32_t>(j.cursor);
      PageCtl& p = bm_->model->page(idx);
      if (j.stage == 2) {
        // woken: the page drained, or the suspension timed out
        if (p.active == 0) {
          daemon_page(idx);
        } else if (now_ >= j.deadline) {
          p.suspended = false;  // percpu_ref_resurrect
          wake_all(bm_->page_waiters[idx]);
          log(str_cat("daemon: page ", idx, " busy for daemon_sleep, skipped"));
        } else {
          park(id, bm_->page_waiters[idx]);
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
        park(id, bm_->page_waiters[idx]);
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
  if (j.restart && !bm_->shutdown) {
    arm_daemon_timer(Tick{config_.daemon_sleep_s} * kTicksPerSecond);
  }
  bm_->daemon_job = kNoJob;
  finish(id);
}

void MdArray::start_writeback_timer() {
  if (!policy_->page_cache_writeback || config_.rfc_writeback_interval == 0) return;
  ++bm_->writeback_generation;
  queue_.schedule(now_ + config_.rfc_writeback_interval, EventKind::WritebackTimer, 0,
                  bm_->writeback_generation);
}

void MdArray::on_writeback_timer(std::uint64_t generation) {
  if (generation != bm_->writeback_generation || !bm_->model || status_ != ArrayStatus::Running) return;
  // The page cache's flusher writes bitmap pages dirty for longer than dirty_expire.
  if (now_ >= config_.rfc_writeback_expire) {
    auto pages = bm_->model->take_expired_pages(now_ - config_.rfc_writeback_expire);
    if (!pages.empty()) {
      JobId id = new_job(kBackgroundIo, true);
      write_bitmap_pieces(pages, false, id, "page-cache writeback");
      if (job(id).outstanding == 0) finish(id);
    }
  }
  start_writeback_timer();
}

}  // namespace llb::sim
