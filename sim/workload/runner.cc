#include "sim/workload/runner.h"

#include <cstdio>

#include "libformat/ops/member.h"
#include "sim/core/disk_device.h"
#include "sim/llbitmap/llbitmap_model.h"
#include "sim/workload/export.h"

namespace llb::sim {

namespace {
constexpr Tick kOpLimit = 3600 * kTicksPerSecond;

InflightFate inflight_fate(CrashFate f, Prng& p) {
  switch (f) {
    case CrashFate::Lost: return InflightFate::Lost;
    case CrashFate::Landed: return InflightFate::Landed;
    case CrashFate::Torn: return InflightFate::Torn;
    case CrashFate::Random: return static_cast<InflightFate>(p.below(3));
  }
  return InflightFate::Lost;
}
}  // namespace

std::string format_timeline(const std::vector<TimelineEntry>& t) {
  std::string out;
  char buf[64];
  for (const TimelineEntry& e : t) {
    std::snprintf(buf, sizeof buf, "%13.6f  ", static_cast<double>(e.at) / kTicksPerSecond);
    out += buf;
    out += e.what;
    out += "\n";
  }
  return out;
}

TraceRunner::TraceRunner(const Trace& trace, const RunOptions& opts)
    : trace_(trace), opts_(opts), crash_prng_(opts.seed ^ 0x5eed5eed5eedull) {
  ArrayConfig cfg = trace_.array;
  cfg.kernel = opts_.kernel;
  Prng uuid_prng(opts_.seed * 0x9e3779b97f4a7c15ull + 7);
  for (auto& b : cfg.array_uuid) b = static_cast<std::uint8_t>(uuid_prng.next());
  array_ = std::make_unique<MdArray>(cfg, opts_.seed);
  array_->set_timeline_enabled(opts_.timeline);
}

Snapshot TraceRunner::snapshot(const std::string& label) const {
  Snapshot s;
  s.label = label;
  s.at = array_->now();
  for (std::uint32_t m = 0; m < array_->member_count(); ++m) {
    MemberState ms;
    const Rdev& r = array_->rdev(m);
    ms.name = array_->disk(m).name();
    ms.in_array = r.in_array;
    ms.faulty = r.faulty;
    SimDiskDevice dev(const_cast<SimDisk&>(array_->disk(m)), DiskView::Durable, false);
    auto mem = load_member(dev, layout_of(array_->policy().format->version));
    if (mem.ok()) {
      ms.md_events = mem->md.sb.events;
      ms.md_clean = mem->md.sb.resync_offset == kMaxSector;
      if (mem->bitmap) {
        ms.bitmap_events = mem->bitmap->events;
        ms.bitmap_state = mem->bitmap->state;
        ms.chunksize = mem->bitmap->chunksize;
        ms.daemon_sleep = mem->bitmap->daemon_sleep;
        ms.sync_size = mem->bitmap->sync_size;
      }
      if (mem->states) ms.states = mem->states->bytes;
    }
    s.members.push_back(std::move(ms));
  }
  if (array_->bitmap()) s.memory_counts = array_->bitmap()->counts();
  return s;
}

RunResult TraceRunner::run() {
  RunResult res;
  MdArray& a = *array_;
  std::vector<JobId> async_jobs;
  std::uint64_t next_stamp = 1;
  auto fail_op = [&](std::size_t i, const TraceOp& op, const std::string& why) {
    res.ok = false;
    res.error = str_cat("ops[", i, "] (", op_name(op.kind), "): ", why);
  };
  auto wait_job = [&](JobId id, std::size_t i, const TraceOp& op) -> bool {
    if (!a.run_until_done(id, a.now() + kOpLimit)) {
      fail_op(i, op, "did not complete within an hour of simulated time");
      return false;
    }
    const JobResult r = a.result(id);
    a.release(id);
    if (!r.ok) {
      fail_op(i, op, r.error);
      return false;
    }
    return true;
  };
  // Async jobs that finished: their results are taken as wait_io would (an error fails the op).
  auto reap = [&](std::size_t i, const TraceOp& op) {
    std::size_t kept = 0;
    for (JobId id : async_jobs) {
      if (a.job_done(id)) {
        if (res.ok) wait_job(id, i, op);
      } else {
        async_jobs[kept++] = id;
      }
    }
    async_jobs.resize(kept);
  };
  bool have_epoch = false;  // `wait` with until_us: times count from the boot's first one
  Tick epoch = 0;
  for (std::size_t i = 0; i < trace_.ops.size() && res.ok; ++i) {
    if (opts_.should_stop && opts_.should_stop()) break;
    const TraceOp& op = trace_.ops[i];
    const std::uint64_t sector = op.offset_bytes / 512;
    const auto sectors = static_cast<std::uint32_t>(op.length_bytes / 512);
    switch (op.kind) {
      case OpKind::Create: wait_job(a.create(op.assume_clean), i, op); break;
      case OpKind::Assemble: wait_job(a.assemble(op.offered), i, op); break;
      case OpKind::WaitSync: {
        const Tick limit = a.now() + (op.timeout ? op.timeout : kOpLimit);
        while (a.sync_running() && a.now() <= limit && a.step()) {
        }
        if (a.sync_running()) fail_op(i, op, "sync still running at the timeout");
        break;
      }
      case OpKind::Write:
      case OpKind::Discard:
      case OpKind::Read: {
        if (op.async && op.depth) {
          // fio's replay: at most `depth` I/Os in flight; the next waits for one to finish.
          reap(i, op);
          while (res.ok && async_jobs.size() >= op.depth && a.step()) reap(i, op);
          if (!res.ok) break;
        }
        JobId id;
        if (op.kind == OpKind::Write) {
          id = a.write(sector, sectors, op.pattern ? op.pattern : (next_stamp++ | (1ull << 62)), op.fua);
        } else if (op.kind == OpKind::Discard) {
          id = a.discard(sector, sectors);
        } else {
          id = a.read(sector, sectors);
        }
        if (op.async) {
          async_jobs.push_back(id);
        } else {
          wait_job(id, i, op);
        }
        break;
      }
      case OpKind::WaitIo:
        for (JobId id : async_jobs) {
          if (!wait_job(id, i, op)) break;
        }
        async_jobs.clear();
        break;
      case OpKind::Flush: wait_job(a.flush(), i, op); break;
      case OpKind::Wait:
        if (!op.until) {
          a.run_until(a.now() + op.duration);
        } else if (!have_epoch) {
          have_epoch = true;  // the first timed op: its time is now
          epoch = a.now() >= op.duration ? a.now() - op.duration : 0;
        } else if (epoch + op.duration > a.now()) {
          a.run_until(epoch + op.duration);  // an earliest time: never waits for the past
        }
        break;
      case OpKind::Set:
        if (op.knob == "daemon_sleep") a.set_daemon_sleep(static_cast<std::uint32_t>(op.value));
        if (op.knob == "barrier_idle") a.set_barrier_idle(static_cast<std::uint32_t>(op.value));
        if (op.knob == "safe_mode_delay_ms") a.set_safe_mode_delay(static_cast<std::uint32_t>(op.value));
        break;
      case OpKind::Fail: wait_job(a.fail(op.member), i, op); break;
      case OpKind::Remove: wait_job(a.remove(op.member), i, op); break;
      case OpKind::Readd: wait_job(a.readd(op.member), i, op); break;
      case OpKind::IoError:
        if (op.read_errors) {
          a.disk(op.member).inject_read_errors(op.count);
        } else {
          a.inject_write_errors(op.member, op.count);
        }
        break;
      case OpKind::MediaError:
        a.add_media_defect(op.member, op.offset_bytes / 512, op.length_bytes / 512);
        break;
      case OpKind::BadBlock:
        if (!a.record_bad_blocks(op.member, op.sector, op.sectors)) {
          fail_op(i, op, str_cat(a.disk(op.member).name(), ": bad_blocks refused ", op.sector, " ",
                                 op.sectors, " (the array is not running, the member has no "
                                 "bad-block log, or its table is full)"));
        }
        break;
      case OpKind::Stop: wait_job(a.stop(), i, op); break;
      case OpKind::Poweroff:
        wait_job(a.poweroff(), i, op);
        have_epoch = false;
        break;
      case OpKind::Crash: {
        CrashPolicy p;
        const CrashFate in = op.inflight, ca = op.cached;
        Prng* rng = &crash_prng_;
        p.inflight = [in, rng](const DiskWrite&) { return inflight_fate(in, *rng); };
        p.cached = [ca, rng](const DiskWrite&) {
          if (ca == CrashFate::Random) return rng->chance(1, 2) ? CachedFate::Kept : CachedFate::Lost;
          return ca == CrashFate::Landed ? CachedFate::Kept : CachedFate::Lost;
        };
        a.crash(p);
        async_jobs.clear();
        have_epoch = false;  // a new boot: its until times count from its own first one
        break;
      }
      case OpKind::Export: {
        auto r = export_members(a, op.dir, op.label.empty() ? "" : op.label + "-", DiskView::Durable);
        if (!r.ok()) {
          fail_op(i, op, r.status().to_string());
        } else {
          for (auto& p : *r) res.exported.push_back(p);
        }
        break;
      }
      case OpKind::Dump: res.dumps.push_back(snapshot(op.label)); break;
    }
  }
  if (res.ok && !opts_.export_dir.empty()) {
    auto r = export_members(a, opts_.export_dir, "", DiskView::Durable);
    if (!r.ok()) {
      res.ok = false;
      res.error = r.status().to_string();
    } else {
      for (auto& p : *r) res.exported.push_back(p);
    }
  }
  res.final_state = snapshot("final");
  res.end = a.now();
  res.event_hash = a.event_log_hash();
  res.events = a.events_processed();
  return res;
}

}  // namespace llb::sim
