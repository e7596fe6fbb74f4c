// The crash explorer's driver: runs the workload, finds its crash points (every moment the set of
// writes not yet durable changes), keeps the chunks whose durable data differs and the durability
// promise current, and hands each point to the crash-state enumeration and the checker.

#include <algorithm>

#include "sim/explore/checker.h"
#include "sim/explore/enumerate.h"
#include "sim/explore/explore.h"
#include "sim/explore/hashing.h"
#include "sim/workload/runner.h"

namespace llb::sim {
namespace {

class Explorer {
 public:
  Explorer(const Trace& t, const ExploreOptions& o)
      : trace_(t),
        o_(o),
        format_(kernel_policy(o.kernel).format),
        flags_(flag_table(*format_)),
        budget_(o_),
        checker_(o_, *format_, result_, budget_, seen_) {}

  ExploreResult run() {
    auto [t, ro] = explore_run(trace_, o_, false);
    // Once the budget is spent (or the first violation is in, with --stop-at-first), the rest
    // of the workload would only be simulated for nothing.
    ro.should_stop = [this] { return budget_.stopped || result_.stats.budget_exhausted; };
    TraceRunner runner(t, ro);
    a_ = &runner.array();
    logs_.resize(a_->member_count());
    for (std::uint32_t m = 0; m < a_->member_count(); ++m) a_->disk(m).set_durable_log(&logs_[m]);
    a_->set_event_observer([this](const Event&) { on_event(); });
    // The durability check needs stamps in issue order: traces that choose their own data
    // patterns go without it.
    check_promises_ = std::none_of(t.ops.begin(), t.ops.end(), [](const TraceOp& op) { return op.pattern != 0; });
    if (check_promises_) a_->track_promises(&promise_log_);
    RunResult rr = runner.run();
    a_->track_promises(nullptr);
    for (std::uint32_t m = 0; m < a_->member_count(); ++m) a_->disk(m).set_durable_log(nullptr);
    a_->set_event_observer(nullptr);
    if (!rr.ok && !budget_.stopped) result_.run_error = rr.error;
    result_.stats.distinct = seen_.distinct();
    result_.stats.seconds = budget_.seconds();
    return std::move(result_);
  }

 private:
  void on_event() {
    ++events_;
    if (budget_.stopped || !budget_.left(result_)) {
      drain_logs();
      return;
    }
    const MdArray& a = *a_;
    if (a.collisions().size() > collisions_seen_) note_collisions();
    if (a.status() != ArrayStatus::Running || !a.bitmap()) {
      drain_logs();
      participants_.clear();
      return;
    }
    // Participants: members the running array counts in sync.
    std::vector<std::uint32_t> parts;
    for (std::uint32_t m = 0; m < a.member_count(); ++m) {
      const Rdev& r = a.rdev(m);
      if (r.in_array && !r.faulty && r.in_sync && a.disk(m).health() == DiskHealth::Healthy) {
        parts.push_back(m);
      }
    }
    if (parts.size() < 2) {
      drain_logs();
      participants_.clear();
      return;
    }
    update_divergence(parts);
    check_promises(parts);
    // Crash point signature: the non-durable writes of every participant.
    std::uint64_t sig = 0x9e3779b97f4a7c15ull;
    std::size_t count = 0;
    for (std::uint32_t m : parts) {
      for (const DiskWrite& w : a.disk(m).cached_view()) {
        if (w.sectors && !w.is_read) sig = (sig ^ (w.id * 2 + m * 0x10001)) * 0x100000001b3ull, ++count;
      }
      for (const DiskWrite& w : a.disk(m).inflight()) {
        if (w.sectors && !w.is_read) sig = (sig ^ (w.id * 2 + 1 + m * 0x10001)) * 0x100000001b3ull, ++count;
      }
    }
    sig ^= diverged_generation_ * 0xff51afd7ed558ccdull;
    if (sig == last_sig_ && count == last_count_) return;
    last_sig_ = sig;
    last_count_ = count;
    explore_point(parts);
  }

  // Each new meeting of the bad-block log and the state bytes is a violation of its own kind:
  // no crash is needed for it, the running array did it.
  void note_collisions() {
    const auto& all = a_->collisions();
    for (; collisions_seen_ < all.size(); ++collisions_seen_) {
      const MetaCollision& c = all[collisions_seen_];
      switch (c.kind) {
        case MetaCollision::Kind::LogOverStates: ++result_.stats.state_bytes_destroyed; break;
        case MetaCollision::Kind::StatesOverLog: ++result_.stats.bblog_overwritten; break;
        case MetaCollision::Kind::MemberRefused: ++result_.stats.members_refused; break;
      }
      if (result_.violations.size() < 4) {
        Violation v;
        v.invariant = collision_invariant(c.kind);
        v.event_index = events_;
        v.at = c.at;
        v.chunk = c.first_chunk;
        v.source = c.member;
        v.detail = str_cat(a_->disk(c.member).name(), ": ", c.detail);
        result_.violations.push_back(std::move(v));
      }
      if (o_.stop_at_first) budget_.stopped = true;
    }
  }

  void drain_logs() {
    for (auto& l : logs_) l.clear();
  }

  // Chunks whose durable data differs between participants, kept current from the disks' logs.
  void update_divergence(const std::vector<std::uint32_t>& parts) {
    const Geometry& g = a_->geometry();
    if (parts != participants_ || diverged_.size() != g.chunks) {
      participants_ = parts;
      diverged_.assign(g.chunks, 0);
      for (std::uint64_t c = 0; c < g.chunks; ++c) diverged_[c] = chunk_differs(c);
      drain_logs();
      ++diverged_generation_;
      touched_.push_back({0, static_cast<std::uint32_t>(g.resync_sectors)});  // check everything
      return;
    }
    bool changed = false;
    for (auto& l : logs_) {
      touched_.insert(touched_.end(), l.begin(), l.end());
      for (auto [first, n] : l) {
        const std::uint64_t c0 = first >> g.chunkshift, c1 = (first + n - 1) >> g.chunkshift;
        for (std::uint64_t c = c0; c <= c1 && c < g.chunks; ++c) {
          const std::uint8_t d = chunk_differs(c);
          changed = changed || d != diverged_[c];
          diverged_[c] = d;
        }
      }
      l.clear();
    }
    if (changed) ++diverged_generation_;
  }

  std::uint8_t chunk_differs(std::uint64_t c) const {
    const Geometry& g = a_->geometry();
    const std::uint64_t s = g.chunk_start_sector(c), n = g.chunk_sectors(c);
    const auto& d0 = a_->disk(participants_[0]).data_durable();
    for (std::size_t k = 1; k < participants_.size(); ++k) {
      const auto& dk = a_->disk(participants_[k]).data_durable();
      if (!d0.range_equal(dk, s, n)) return 1;
    }
    return 0;
  }

  // Every acknowledged-and-flushed write must be on the durable media of at least one in-sync
  // member (a mirror that was just recovered may still hold it only in its cache; the safety
  // invariant covers the chunks where the mirrors then differ). Checked where durable data or the
  // promise changed since the last crash point. While a discard is in flight, sectors that read
  // zero are not judged: it may have zeroed them.
  void check_promises(const std::vector<std::uint32_t>& parts) {
    const auto& promised = a_->promised();
    if (!check_promises_ || promised.empty()) {
      touched_.clear();
      promise_log_.clear();
      return;
    }
    touched_.insert(touched_.end(), promise_log_.begin(), promise_log_.end());
    promise_log_.clear();
    const bool bad = a_->any_bad_blocks();
    for (auto [first, n] : touched_) {
      const std::uint64_t end = std::min<std::uint64_t>(first + n, promised.size());
      for (std::uint64_t sct = first; sct < end; ++sct) {
        const std::uint64_t want = promised[sct];
        if (want == 0) continue;
        bool held = false;
        std::uint64_t found = 0;
        for (std::uint32_t m : parts) {
          const std::uint64_t d = a_->disk(m).data_durable()[sct];
          held = held || d >= want || (d == 0 && a_->discards_in_flight());
          found = std::max(found, d);
        }
        // Under a recorded bad block md answers with an error, not with stale data: a write
        // it could not keep there is not a broken promise (the bad-block log is the promise).
        if (held || (bad && a_->range_has_bad_blocks(sct, 1))) continue;
        ++result_.stats.durability_violations;
        if (result_.violations.size() < 4) {
          Violation v;
          v.invariant = "durability";
          v.event_index = events_;
          v.at = a_->now();
          v.chunk = sct >> a_->geometry().chunkshift;
          v.source = parts[0];
          v.detail = str_cat("sector ", sct, ": no in-sync member durably holds the acknowledged and "
                             "flushed write ", hex(want), " (newest found ", hex(found), ")");
          result_.violations.push_back(std::move(v));
        }
        if (o_.stop_at_first) budget_.stopped = true;
        break;
      }
    }
    touched_.clear();
  }

  // One crash point: its pending writes and segments, then every state (or a sample) checked.
  void explore_point(const std::vector<std::uint32_t>& parts) {
    // Live pages: a bitmap write in flight at the crash carries the page as it is now.
    if (o_.live_pages) a_->refetch_live_bitmap_writes();
    const MdArray& a = *a_;
    ++result_.stats.crash_points;
    result_.stats.max_depth = std::max(result_.stats.max_depth, events_);
    CrashPointInput in;
    in.array = &a;
    in.participants = &parts;
    in.options = &o_;
    in.diverged = &diverged_;
    in.flags = &flags_;
    if (durable_meta_.size() < a.member_count()) {
      durable_meta_.resize(a.member_count());
      durable_meta_versions_.resize(a.member_count());
    }
    for (std::uint32_t m : parts) {
      a.disk(m).meta_durable().refresh(durable_meta_[m], durable_meta_versions_[m]);
      in.base_meta.push_back(durable_meta_[m].data());
      in.base_sum += issued_sum(m, a.disk(m).next_request_id());
    }
    cp_.build(in);
    result_.stats.max_pending = std::max<std::uint64_t>(result_.stats.max_pending, cp_.pend.size());
    checker_.begin_point(cp_, a, participants_, events_);
    if (enumerate_states(cp_, o_, events_, budget_, result_, checker_, fates_)) {
      ++result_.stats.sampled_points;
    }
  }

  // The canonical hash's share of every request member `member` issued before `next_id`.
  std::uint64_t issued_sum(std::uint32_t member, std::uint64_t next_id) {
    auto& sums = prefix_[member];
    while (sums.size() <= next_id) {
      sums.push_back((sums.empty() ? 0 : sums.back()) +
                     (sums.empty() ? 0 : request_mix(member, sums.size() - 1)));
    }
    return sums[next_id];
  }

  const Trace& trace_;
  ExploreOptions o_;
  const KernelProfile* format_;  // the explored kernel's on-disk format
  FlagTable flags_;
  ExploreResult result_;
  Budget budget_;
  HashCounter seen_;
  StateChecker checker_;
  CrashPoint cp_;
  MdArray* a_ = nullptr;
  std::uint64_t events_ = 0;
  std::uint64_t last_sig_ = 0, last_count_ = ~std::size_t{0};
  std::vector<std::vector<std::pair<std::uint64_t, std::uint32_t>>> logs_;
  std::vector<std::uint32_t> participants_;  // the in-sync members at the current crash point
  std::vector<std::uint8_t> diverged_;
  std::uint64_t diverged_generation_ = 0;
  std::vector<std::vector<std::uint8_t>> durable_meta_;  // each member's durable metadata area
  std::vector<std::vector<std::uint64_t>> durable_meta_versions_;  // see MetaArea::refresh
  std::vector<std::uint8_t> fates_;
  bool check_promises_ = false;
  std::size_t collisions_seen_ = 0;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> promise_log_, touched_;
  std::vector<std::vector<std::uint64_t>> prefix_ = std::vector<std::vector<std::uint64_t>>(8);
};

}  // namespace

ExploreResult explore(const Trace& trace, const ExploreOptions& options) {
  Explorer e(trace, options);
  return e.run();
}

}  // namespace llb::sim
