#pragma once
// Checks crash states of one crash point against the bitmap's promise, 64 at a time: per state,
// whether a disk can produce it, which members are fresh and how the source's bitmap loads (the
// oracle); then, for all queued states at once with one bit each, which segments' mirrors differ;
// then per state, in queue order (so budgets, --stop-at-first and the violations recorded are
// those of checking one state after another), the state bytes of the divergent chunks and the
// efficiency count.

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include "sim/explore/crash_point.h"
#include "sim/explore/hashing.h"

namespace llb::sim {

// The explorer's budgets: a number of states, wall time, and --stop-at-first.
class Budget {
 public:
  explicit Budget(const ExploreOptions& o) : o_(o), start_(std::chrono::steady_clock::now()) {}
  bool left(ExploreResult& result) {
    if (stopped) return false;
    if (o_.max_states && result.stats.states >= o_.max_states) {
      result.stats.budget_exhausted = true;
      return false;
    }
    if (o_.time_budget_ms && (result.stats.states & 1023) == 0) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start_).count();
      if (static_cast<std::uint64_t>(ms) >= o_.time_budget_ms) {
        result.stats.budget_exhausted = true;
        return false;
      }
    }
    return true;
  }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  bool stopped = false;  // a violation with --stop-at-first

 private:
  const ExploreOptions& o_;
  std::chrono::steady_clock::time_point start_;
};

class StateChecker {
 public:
  StateChecker(const ExploreOptions& o, const KernelProfile& format, ExploreResult& result,
               Budget& budget, HashCounter& seen)
      : o_(o), format_(format), result_(result), budget_(budget), seen_(seen) {}

  // The crash point the next states belong to (`events`: events before it).
  void begin_point(const CrashPoint& cp, const MdArray& a,
                   const std::vector<std::uint32_t>& participants, std::uint64_t events);
  // Queues the state `fates` describes (one fate per pending write); checks a full queue.
  void push_state(const std::uint8_t* fates) {
    std::copy(fates, fates + np_, lane_fates_.data() + lanes_ * np_);
    if (++lanes_ == kLanes) evaluate_batch();
  }
  // Checks what is queued.
  void flush() {
    if (lanes_) evaluate_batch();
  }

 private:
  static constexpr std::uint32_t kLanes = 64;

  void evaluate_batch();
  std::uint64_t segment_differs(const Segment& sg);
  std::uint64_t flagged_total(std::size_t src, LoadMode mode);
  std::uint64_t canonical_hash() const;
  bool producible() const;
  void record_violation(std::size_t src, std::uint64_t chunk, LoadMode mode);
  const std::uint8_t* meta_at(std::size_t k, std::uint64_t off, std::uint64_t len) const {
    return cp_->meta_in(cp_->meta_order[k], k, off, len, cur_);
  }

  const ExploreOptions& o_;
  const KernelProfile& format_;
  ExploreResult& result_;
  Budget& budget_;
  HashCounter& seen_;
  // The crash point.
  const CrashPoint* cp_ = nullptr;
  const MdArray* a_ = nullptr;
  const std::vector<std::uint32_t>* participants_ = nullptr;
  std::uint64_t events_ = 0;
  std::size_t np_ = 0;
  // The queue of states and the batch's scratch.
  std::vector<std::uint8_t> lane_fates_;  // kLanes rows of one fate per pending write
  std::uint32_t lanes_ = 0;
  const std::uint8_t* cur_ = nullptr;     // the fates of the state checked one at a time
  std::array<std::uint8_t, kLanes> lane_src_{};
  std::array<LoadMode, kLanes> lane_mode_{};
  std::vector<std::uint64_t> fresh_mask_, fmask_, ev_, seen_sectors_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> chunk_div_;  // (chunk, states divergent)
  std::vector<std::pair<std::uint64_t, std::uint64_t>> cand_;       // (content, states selecting it)
  std::vector<std::uint32_t> cand_begin_;
};

}  // namespace llb::sim
