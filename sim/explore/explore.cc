#include "sim/explore/explore.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/codec/endian.h"
#include "libformat/codec/md_superblock.h"
#include "sim/workload/export.h"
#include "sim/workload/runner.h"

namespace llb::sim {
namespace {

constexpr std::uint8_t kLost = 0, kLanded = 1, kTorn = 2;
constexpr std::uint64_t kMdSbOffset = 4096;  // metadata 1.2

// --- the checker's own reading of the kernel's load rules ----------------------------------------
// After assembly the kernel resyncs a chunk unless its loaded state says the mirrors agree:
// Unwritten, Clean and CleanUnwritten. Reload keeps those three; Dirty, NeedSync and Syncing (and
// the Unwritten sync states) end up resynced; a byte that is no state is forced to NeedSync. A
// stale bitmap (events behind) takes every chunk but the never-written ones to NeedSync. FIRST_USE
// re-initialises every chunk (Unwritten, or Clean with --assume-clean): nothing is resynced.
enum class LoadMode : std::uint8_t { Reload, Stale, FirstUse, Refused };

bool resynced(std::uint8_t byte, LoadMode mode, const KernelProfile& format) {
  constexpr auto kUnwritten = static_cast<std::uint8_t>(State::Unwritten);
  constexpr auto kClean = static_cast<std::uint8_t>(State::Clean);
  constexpr auto kCleanUnwritten = static_cast<std::uint8_t>(State::CleanUnwritten);
  if (byte >= format.state_count) return mode != LoadMode::FirstUse;
  switch (mode) {
    case LoadMode::FirstUse:
    case LoadMode::Refused:
      return false;
    case LoadMode::Stale:
      return byte != kUnwritten && byte != kCleanUnwritten;
    case LoadMode::Reload:
      return byte != kUnwritten && byte != kClean && byte != kCleanUnwritten;
  }
  return true;
}

// Content hashes of a run of sector stamps: equal contents give equal hashes, whichever way they
// were written (one stamp for a whole write, or a stamp per sector).
std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
std::uint64_t uniform_hash(std::uint64_t v, std::uint64_t n) {
  return mix64(v ^ mix64(n + 0x1234567));
}
std::uint64_t slice_hash(const std::uint64_t* p, std::uint64_t n) {
  // Uniform when every stamp equals the next one (memcmp is the fastest way to ask).
  if (n <= 1 || std::memcmp(p, p + 1, (n - 1) * sizeof(std::uint64_t)) == 0) {
    return uniform_hash(n ? p[0] : 0, n);
  }
  std::uint64_t h = 0x9e3779b97f4a7c15ull;
  for (std::uint64_t i = 0; i < n; ++i) h += mix64(p[i] ^ (i * 0xff51afd7ed558ccdull));
  return h;
}

// Distinct states are counted from the hashes of all states: appending is cheap and cache
// friendly; sorting once at the end does the rest.
class HashCounter {
 public:
  void insert(std::uint64_t h) {
    if (hashes_.size() < kLimit) hashes_.push_back(h);
  }
  std::size_t distinct() {
    std::sort(hashes_.begin(), hashes_.end());
    return static_cast<std::size_t>(std::unique(hashes_.begin(), hashes_.end()) - hashes_.begin());
  }

 private:
  static constexpr std::size_t kLimit = 64u << 20;  // 512 MiB of hashes at most
  std::vector<std::uint64_t> hashes_;
};

struct SectorDelta {
  std::uint64_t sector = 0;
  std::int32_t reload = 0, stale = 0;
};

// [begin, end) in one of the explorer's flat arrays.
struct Range {
  std::uint32_t begin = 0, end = 0;
  bool empty() const { return begin == end; }
};

struct Pending {
  const DiskWrite* w = nullptr;
  // Lists kept in the explorer's flat arrays (no allocation per write and crash point):
  Range deltas;  // metadata writes: flagged-count change per sector (deltas_)
  Range hiders;  // later writes of the member that can cover it whole (hiders_)
  Range forces;  // PREFLUSH: cached writes that are durable if this lands (forces_)
  // Copies of the write's fields the inner loops read, to keep them in one cache line.
  std::uint64_t sector = 0;
  std::uint32_t sectors = 0;
  bool meta = false;
  std::uint32_t member = 0;
  bool inflight = false;
  std::uint8_t radix = 2;
  // Tear points: a torn write lands its first tears[f - kTorn] sectors (whole logical blocks):
  // the first block, half, all but the last block (those that differ and are not the whole).
  std::array<std::uint32_t, 3> tears{};
  std::uint64_t mix = 0;  // its share of the canonical state hash
  std::array<std::uint32_t, 5> cover{};  // sectors that reach the disk, per fate
  std::array<std::uint64_t, 5> adj{};    // change to the canonical hash, per fate (not hidden)
  std::uint32_t covered(std::uint8_t fate) const { return cover[fate]; }
};

struct Cover {
  std::uint32_t pending = 0;  // index into the crash point's pending list
  std::uint64_t hash = 0;     // content over the segment
  std::uint8_t torn_visible = 0;  // bit j: the segment lies within tear point j
};

struct Segment {
  std::uint64_t first = 0, end = 0;  // data sector indices
  std::uint64_t chunk = 0;
  // Per participating member k: the durable content's hash, base_hash_[index * n + k]; its
  // covers in application order, covers_[cover_begin_[index * (n + 1) + k] .. that + 1).
  std::uint32_t index = 0;
  bool always = false;  // its chunk differs outside the pending writes: divergent anyway
};

class Explorer {
 public:
  Explorer(const Trace& t, const ExploreOptions& o)
      : trace_(t), o_(o), format_(kernel_policy(o.kernel).format) {}

  ExploreResult run() {
    start_ = std::chrono::steady_clock::now();
    for (int b = 0; b < 256; ++b) {
      flag_table_[b] = static_cast<std::uint8_t>(
          resynced(static_cast<std::uint8_t>(b), LoadMode::Reload, *format_) |
          (resynced(static_cast<std::uint8_t>(b), LoadMode::Stale, *format_) << 1));
    }
    Trace t = trace_;
    t.array.fault_data_before_bitmap = o_.planted_fault;
    t.array.disk.fault_flush_noop = o_.planted_flush_fault;
    RunOptions ro;
    ro.seed = o_.seed;
    ro.kernel = o_.kernel;
    ro.timeline = false;
    // Once the budget is spent (or the first violation is in, with --stop-at-first), the rest
    // of the workload would only be simulated for nothing.
    ro.should_stop = [this] { return stopped_ || result_.stats.budget_exhausted; };
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
    if (!rr.ok && !stopped_) result_.run_error = rr.error;
    result_.stats.distinct = seen_.distinct();
    result_.stats.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return std::move(result_);
  }

 private:
  bool budget_left() {
    if (stopped_) return false;
    if (o_.max_states && result_.stats.states >= o_.max_states) {
      result_.stats.budget_exhausted = true;
      return false;
    }
    if (o_.time_budget_ms && (result_.stats.states & 1023) == 0) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start_).count();
      if (static_cast<std::uint64_t>(ms) >= o_.time_budget_ms) {
        result_.stats.budget_exhausted = true;
        return false;
      }
    }
    return true;
  }

  void on_event() {
    ++events_;
    if (stopped_ || !budget_left()) {
      drain_logs();
      return;
    }
    const MdArray& a = *a_;
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
        if (held) continue;
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
        if (o_.stop_at_first) stopped_ = true;
        break;
      }
    }
    touched_.clear();
  }

  // --- one crash point ---------------------------------------------------------------------------
  void explore_point(const std::vector<std::uint32_t>& parts) {
    const MdArray& a = *a_;
    const Geometry& g = a.geometry();
    ++result_.stats.crash_points;
    result_.stats.max_depth = std::max(result_.stats.max_depth, events_);
    pend_.clear();
    hiders_.clear();
    forces_.clear();
    order_.assign(parts.size(), {});
    const std::uint32_t per_block =
        std::max<std::uint32_t>(1, a.disk(parts[0]).config().logical_block_size / 512);
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const SimDisk& d = a.disk(parts[k]);
      auto add = [&](const DiskWrite& w, bool inflight) {
        if (!w.sectors || w.is_read) return;
        Pending p;
        p.w = &w;
        p.sector = w.sector;
        p.sectors = w.sectors;
        p.meta = w.kind == DiskWriteKind::Meta;
        p.member = static_cast<std::uint32_t>(k);
        p.inflight = inflight;
        const std::uint32_t blocks = (w.sectors + per_block - 1) / per_block;
        std::uint8_t ntears = 0;
        if (inflight && o_.torn && blocks > 1) {
          for (std::uint32_t b : {1u, (blocks + 1) / 2, blocks - 1}) {
            const std::uint32_t t = std::min(w.sectors, b * per_block);
            if (t == 0 || t >= w.sectors) continue;
            if (ntears && p.tears[ntears - 1] == t) continue;
            p.tears[ntears++] = t;
          }
        }
        p.radix = inflight ? static_cast<std::uint8_t>(2 + ntears) : (o_.cache_loss ? 2 : 1);
        p.mix = request_mix(parts[k], w.id);
        p.cover[kLost] = 0;
        p.cover[kLanded] = w.sectors;
        p.adj[kLost] = 0 - p.mix;
        p.adj[kLanded] = 0;
        for (std::uint8_t j = 0; j < ntears; ++j) {
          p.cover[kTorn + j] = p.tears[j];
          p.adj[kTorn + j] = request_mix(static_cast<std::uint32_t>(k), w.id ^ (0x5a5a5a5a5a5aull * (kTorn + j))) - p.mix;
        }
        order_[k].push_back(static_cast<std::uint32_t>(pend_.size()));
        pend_.push_back(p);
      };
      const std::size_t first_cached = pend_.size();
      for (const DiskWrite& w : d.cached_view()) add(w, false);
      const std::size_t first_inflight = pend_.size();
      for (const DiskWrite& w : d.inflight()) add(w, true);
      // A write with PREFLUSH that reached the disk implies the cache flush before it happened.
      for (std::size_t i = first_inflight; i < pend_.size(); ++i) {
        if (!pend_[i].w->preflush) continue;
        pend_[i].forces.begin = static_cast<std::uint32_t>(forces_.size());
        for (std::size_t c = first_cached; c < first_inflight; ++c) {
          if (pend_[c].w->completed_seq <= pend_[i].w->flush_upto && pend_[c].radix > 1) {
            forces_.push_back(static_cast<std::uint32_t>(c));
          }
        }
        pend_[i].forces.end = static_cast<std::uint32_t>(forces_.size());
      }
    }
    result_.stats.max_pending = std::max<std::uint64_t>(result_.stats.max_pending, pend_.size());
    forcing_.clear();
    for (std::size_t i = 0; i < pend_.size(); ++i) {
      if (!pend_[i].forces.empty()) forcing_.push_back(static_cast<std::uint32_t>(i));
    }
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const auto& ord = order_[k];
      for (std::size_t i = 0; i < ord.size(); ++i) {
        Pending& p = pend_[ord[i]];
        p.hiders.begin = static_cast<std::uint32_t>(hiders_.size());
        for (std::size_t j = i + 1; j < ord.size(); ++j) {
          const Pending& q = pend_[ord[j]];
          if (q.meta == p.meta && q.sector <= p.sector && q.sector + q.sectors > p.sector) {
            hiders_.push_back(ord[j]);
          }
        }
        p.hiders.end = static_cast<std::uint32_t>(hiders_.size());
      }
    }
    meta_order_.assign(parts.size(), {});
    events_order_.assign(parts.size(), {});
    bsb_order_.assign(parts.size(), {});
    const std::uint64_t ev_off = kMdSbOffset + mdsb::kEvents;
    const std::uint64_t bsb_off = a.geometry().bitmap_offset_bytes;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      for (std::uint32_t idx : order_[k]) {
        const Pending& p = pend_[idx];
        if (!p.meta) continue;
        meta_order_[k].push_back(idx);
        const std::uint64_t s0 = p.sector * 512, s1 = s0 + std::uint64_t{p.sectors} * 512;
        if (s0 <= ev_off && ev_off + 8 <= s1) events_order_[k].push_back(idx);
        if (s0 <= bsb_off && bsb_off + kBitmapSbBytes <= s1) bsb_order_[k].push_back(idx);
      }
    }
    base_meta_.clear();
    base_sum_ = 0;
    if (durable_meta_.size() < a.member_count()) {
      durable_meta_.resize(a.member_count());
      durable_meta_versions_.resize(a.member_count());
    }
    for (std::uint32_t m : parts) {
      a.disk(m).meta_durable().refresh(durable_meta_[m], durable_meta_versions_[m]);
      base_meta_.push_back(durable_meta_[m].data());
      base_sum_ += issued_sum(m, a.disk(m).next_request_id());
    }
    build_segments(parts, g);
    precompute_state_deltas();
    // Chunks that differ outside every pending write: divergent whatever the fates.
    always_.clear();
    for (std::uint64_t c = 0; c < g.chunks; ++c) {
      if (diverged_[c] && differs_outside_segments(parts, c)) always_.push_back(c);
    }
    for (Segment& sg : segs_) {
      sg.always = std::binary_search(always_.begin(), always_.end(), sg.chunk);
    }
    base_flagged_.assign(parts.size() * 2, 0);
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const std::uint8_t* st = base_meta_[k] + g.state_byte_offset(0);
      std::uint64_t reload = 0, stale = 0;
      for (std::uint64_t c = 0; c < g.chunks; ++c) {
        reload += flag_table_[st[c]] & 1;
        stale += flag_table_[st[c]] >> 1;
      }
      base_flagged_[k * 2] = reload;
      base_flagged_[k * 2 + 1] = stale;
    }

    std::uint64_t space = 1;
    for (const Pending& p : pend_) {
      space *= p.radix;
      if (space > o_.max_combinations) break;
    }
    const bool exhaustive = o_.exhaustive && space <= o_.max_combinations;
    if (!exhaustive) ++result_.stats.sampled_points;
    // A write with a single fate (a cached write when caches are not lost) is always kept.
    auto first_fate = [&](std::size_t k) -> std::uint8_t { return pend_[k].radix == 1 ? kLanded : kLost; };
    fates_.resize(pend_.size());
    lane_fates_.resize(kLanes * pend_.size());
    lanes_ = 0;
    for (std::size_t k = 0; k < pend_.size(); ++k) fates_[k] = first_fate(k);
    if (exhaustive) {
      for (std::uint64_t i = 0; i < space && budget_left(); ++i) {
        push_state();
        // next fate vector (mixed radix)
        for (std::size_t k = 0; k < fates_.size(); ++k) {
          if (pend_[k].radix == 1) continue;
          if (++fates_[k] < pend_[k].radix) break;
          fates_[k] = 0;
        }
      }
    } else {
      Prng p(o_.seed ^ (events_ * 0x9e3779b97f4a7c15ull));
      for (std::uint32_t i = 0; i < o_.samples && budget_left(); ++i) {
        // Four fates per 64 random bits: 16 bits each, scaled to the radix (multiply-shift; the
        // bias of at most 5 in 65536 does not matter for sampling).
        std::uint64_t bits = 0;
        for (std::size_t k = 0; k < fates_.size(); ++k) {
          if ((k & 3) == 0) bits = p.next();
          const std::uint64_t r16 = (bits >> ((k & 3) * 16)) & 0xffff;
          fates_[k] = pend_[k].radix == 1 ? kLanded
                                          : static_cast<std::uint8_t>((r16 * pend_[k].radix) >> 16);
        }
        push_state();
      }
    }
    if (lanes_) evaluate_batch();
  }

  void build_segments(const std::vector<std::uint32_t>& parts, const Geometry& g) {
    segs_.clear();
    covers_.clear();
    base_hash_.clear();
    cover_begin_.clear();
    std::vector<std::uint64_t>& bounds = bounds_;
    bounds.clear();
    const std::uint64_t data_off = a_->disk(parts[0]).config().data_offset_sectors;
    for (const Pending& p : pend_) {
      if (p.meta) continue;
      const std::uint64_t s = p.sector - data_off, e = s + p.sectors;
      bounds.push_back(s);
      bounds.push_back(e);
      for (std::uint8_t j = 0; j + 2 < p.radix; ++j) bounds.push_back(s + p.tears[j]);
      for (std::uint64_t c = (s >> g.chunkshift) + 1; (c << g.chunkshift) < e; ++c) {
        bounds.push_back(c << g.chunkshift);
      }
    }
    std::sort(bounds.begin(), bounds.end());
    bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
    if (bounds.size() < 2) return;
    // (segment, member) -> covers, in each member's application order.
    using Tmp = TmpCover;
    tmp_.clear();
    for (std::size_t k = 0; k < parts.size(); ++k) {
      for (std::uint32_t idx : order_[k]) {
        const Pending& p = pend_[idx];
        if (p.meta) continue;
        const std::uint64_t s = p.sector - data_off, e = s + p.sectors;
        std::size_t i = static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), s) - bounds.begin());
        for (; i + 1 < bounds.size() && bounds[i + 1] <= e; ++i) {
          Cover c;
          c.pending = idx;
          for (std::uint8_t j = 0; j + 2 < p.radix; ++j) {
            if (bounds[i + 1] <= s + p.tears[j]) c.torn_visible |= static_cast<std::uint8_t>(1u << j);
          }
          const std::uint64_t len = bounds[i + 1] - bounds[i];
          c.hash = p.w->stamps.empty() ? uniform_hash(p.w->stamp, len)
                                       : slice_hash(p.w->stamps.data() + (bounds[i] - s), len);
          tmp_.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(k), c});
        }
      }
    }
    std::stable_sort(tmp_.begin(), tmp_.end(), [](const Tmp& x, const Tmp& y) {
      return x.seg != y.seg ? x.seg < y.seg : x.member < y.member;
    });
    const std::size_t n = parts.size();
    for (std::size_t t = 0; t < tmp_.size();) {
      Segment sg;
      const std::uint32_t seg = tmp_[t].seg;
      sg.first = bounds[seg];
      sg.end = bounds[seg + 1];
      sg.chunk = sg.first >> g.chunkshift;
      sg.index = static_cast<std::uint32_t>(segs_.size());
      std::size_t k = 0;
      cover_begin_.push_back(static_cast<std::uint32_t>(covers_.size()));
      for (; t < tmp_.size() && tmp_[t].seg == seg; ++t) {
        while (k < tmp_[t].member) {
          cover_begin_.push_back(static_cast<std::uint32_t>(covers_.size()));
          ++k;
        }
        covers_.push_back(tmp_[t].c);
      }
      while (k < n) {
        cover_begin_.push_back(static_cast<std::uint32_t>(covers_.size()));
        ++k;
      }
      for (std::uint32_t m : parts) {
        base_hash_.push_back(
            durable_hash(a_->disk(m).data_durable(), sg.first, sg.end - sg.first));
      }
      segs_.push_back(sg);
    }
  }

  // slice_hash of a member's durable stamps in [first, first + n).
  std::uint64_t durable_hash(const StampMap& d, std::uint64_t first, std::uint64_t n) {
    std::uint64_t v = 0;
    if (d.uniform(first, n, &v)) return uniform_hash(v, n);
    scratch_.resize(n);
    d.read(first, n, scratch_.data());
    return slice_hash(scratch_.data(), n);
  }

  bool differs_outside_segments(const std::vector<std::uint32_t>& parts, std::uint64_t c) const {
    const Geometry& g = a_->geometry();
    const std::uint64_t s = g.chunk_start_sector(c), e = s + g.chunk_sectors(c);
    const auto& d0 = a_->disk(parts[0]).data_durable();
    for (std::uint64_t i = s; i < e; ++i) {
      bool in_seg = false;
      for (const Segment& sg : segs_) in_seg = in_seg || (i >= sg.first && i < sg.end);
      if (in_seg) continue;
      for (std::size_t k = 1; k < parts.size(); ++k) {
        if (a_->disk(parts[k]).data_durable()[i] != d0[i]) return true;
      }
    }
    return false;
  }

  // Bytes [off, off+len) of participant k's metadata after the crash described by fates_.
  const std::uint8_t* meta_at(std::size_t k, std::uint64_t off, std::uint64_t len) const {
    return meta_in(meta_order_[k], k, off, len);
  }
  // The same, looking only at `ord` (the member's writes that can cover the range).
  const std::uint8_t* meta_in(const std::vector<std::uint32_t>& ord, std::size_t k,
                              std::uint64_t off, std::uint64_t len) const {
    for (auto it = ord.rbegin(); it != ord.rend(); ++it) {
      const Pending& p = pend_[*it];
      const std::uint32_t n = p.covered(cur_[*it]);
      const std::uint64_t s = p.sector * 512;
      if (n && off >= s && off + len <= s + std::uint64_t{n} * 512) return p.w->bytes.data() + (off - s);
    }
    return base_meta_[k] + off;
  }

  // The state's identity is the set of requests whose bytes are on the disks: every request
  // issued so far (a prefix sum over request ids), less those lost or wholly overwritten by a
  // later one that landed, with torn ones counted as their own kind. An additive hash of that set
  // lets a crash state at one point match the same content reached at another.
  std::uint64_t request_mix(std::uint32_t member, std::uint64_t id) const {
    std::uint64_t z = id * 0x9e3779b97f4a7c15ull + member * 0xbf58476d1ce4e5b9ull + 1;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t issued_sum(std::uint32_t member, std::uint64_t next_id) {
    auto& sums = prefix_[member];
    while (sums.size() <= next_id) {
      sums.push_back((sums.empty() ? 0 : sums.back()) + (sums.empty() ? 0 : request_mix(member, sums.size() - 1)));
    }
    return sums[next_id];
  }

  std::uint64_t canonical_hash() const {
    std::uint64_t h = base_sum_;
    for (std::size_t i = 0; i < pend_.size(); ++i) {
      const Pending& p = pend_[i];
      const std::uint8_t f = cur_[i];
      std::uint64_t c = p.adj[f];
      if (!p.hiders.empty() && f != kLost) {
        // Wholly overwritten by a later write that reached the disk: as if lost.
        const std::uint64_t e = p.sector + p.cover[f];
        for (std::uint32_t x = p.hiders.begin; x < p.hiders.end; ++x) {
          const std::uint32_t j = hiders_[x];
          const Pending& q = pend_[j];
          const std::uint32_t n = q.cover[cur_[j]];
          if (n && q.sector + n >= e) {
            c = 0 - p.mix;
            break;
          }
        }
      }
      h += c;
    }
    return h;
  }

  // States no disk can produce: a PREFLUSH write landed but a write cached before it was lost.
  bool producible() const {
    for (std::uint32_t i : forcing_) {
      if (cur_[i] == kLost) continue;
      for (std::uint32_t f = pend_[i].forces.begin; f < pend_[i].forces.end; ++f) {
        if (cur_[forces_[f]] == kLost) return false;
      }
    }
    return true;
  }

  // Queues the state fates_ describes; states are checked 64 at a time (one bit per state).
  void push_state() {
    std::memcpy(lane_fates_.data() + lanes_ * pend_.size(), fates_.data(), pend_.size());
    if (++lanes_ == kLanes) evaluate_batch();
  }

  // Checks the queued states. Per state: whether a disk can produce it, the fresh members, the
  // source and how its bitmap loads. Then, for all states at once with one bit each, which
  // segments' mirrors differ. Then per state, in queue order (so budgets, --stop-at-first and
  // the violations recorded are those of checking one state after another): the state bytes of
  // the divergent chunks, and the efficiency count.
  void evaluate_batch() {
    const std::size_t np = pend_.size(), n = participants_.size();
    const std::uint32_t lanes = lanes_;
    lanes_ = 0;
    const Geometry& g = a_->geometry();
    std::uint64_t valid = 0, active = 0;
    fresh_mask_.assign(n, 0);
    ev_.assign(n, 0);
    for (std::uint32_t l = 0; l < lanes; ++l) {
      cur_ = lane_fates_.data() + l * np;
      if (!producible()) continue;
      const std::uint64_t bit = std::uint64_t{1} << l;
      valid |= bit;
      // Events after the crash decide who is fresh; the first fresh member is the source.
      std::uint64_t max_events = 0;
      for (std::size_t k = 0; k < n; ++k) {
        ev_[k] = load_le64(meta_in(events_order_[k], k, kMdSbOffset + mdsb::kEvents, 8));
        max_events = std::max(max_events, ev_[k]);
      }
      std::size_t src = n;
      for (std::size_t k = 0; k < n; ++k) {
        if (ev_[k] != max_events) continue;
        if (src == n) src = k;
        fresh_mask_[k] |= bit;
      }
      // The bitmap superblock of the source decides the load.
      const std::uint8_t* bsb = meta_in(bsb_order_[src], src, g.bitmap_offset_bytes, kBitmapSbBytes);
      LoadMode mode = LoadMode::Reload;
      const std::uint32_t magic = load_le32(bsb + bmsb::kMagic), version = load_le32(bsb + bmsb::kVersion);
      const std::uint32_t state = load_le32(bsb + bmsb::kState);
      const std::uint32_t first_use_bit = format_->first_use_bit;
      if (magic != kBitmapMagic || version != kBitmapMajorLockless) {
        mode = LoadMode::Refused;
      } else if (state & (1u << first_use_bit)) {
        mode = LoadMode::FirstUse;
      } else if (load_le64(bsb + bmsb::kEvents) < max_events) {
        mode = LoadMode::Stale;
      }
      lane_src_[l] = static_cast<std::uint8_t>(src);
      lane_mode_[l] = mode;
      if (mode != LoadMode::Refused) active |= bit;
    }
    for (std::size_t k = 0; k < n; ++k) fresh_mask_[k] &= active;
    // Fate masks: bit l of fmask_[p * kFates + f] says state l gives pending write p fate f.
    fmask_.assign(np * kFates, 0);
    for (std::uint64_t m = active; m; m &= m - 1) {
      const unsigned l = static_cast<unsigned>(__builtin_ctzll(m));
      const std::uint8_t* row = lane_fates_.data() + l * np;
      const std::uint64_t bit = std::uint64_t{1} << l;
      for (std::size_t p = 0; p < np; ++p) fmask_[p * kFates + row[p]] |= bit;
    }
    // Divergent chunks among the fresh members, per state: the segments' chunks (segments come in
    // chunk order, so the list stays sorted and unique), then those divergent whatever the fates.
    chunk_div_.clear();
    std::uint64_t chunk = ~std::uint64_t{0}, cmask = 0;
    for (const Segment& sg : segs_) {
      if (sg.always) continue;
      if (sg.chunk != chunk) {
        if (cmask) chunk_div_.push_back({chunk, cmask});
        chunk = sg.chunk;
        cmask = 0;
      }
      if (cmask != active) cmask |= segment_differs(sg);
    }
    if (cmask) chunk_div_.push_back({chunk, cmask});

    for (std::uint32_t l = 0; l < lanes; ++l) {
      const std::uint64_t bit = std::uint64_t{1} << l;
      if (!(valid & bit)) continue;
      if (!budget_left()) return;
      cur_ = lane_fates_.data() + l * np;
      ++result_.stats.states;
      // Different crash points can reach equal disk states; count each distinct one once, but
      // check every generated state (the check is cheaper than a lookup table of disk images).
      seen_.insert(canonical_hash());
      const LoadMode mode = lane_mode_[l];
      if (mode == LoadMode::Refused) {
        ++result_.stats.refused_states;
        continue;
      }
      const std::size_t src = lane_src_[l];
      std::uint64_t flagged_div = 0;
      bool violated = false;
      auto check = [&](std::uint64_t c) {
        const std::uint8_t byte = *meta_at(src, g.state_byte_offset(c), 1);
        if (resynced(byte, mode, *format_)) {
          ++flagged_div;
          return true;
        }
        ++result_.stats.safety_violations;
        ++result_.stats.resync_violations;
        record_violation(src, c, mode);
        if (o_.stop_at_first) stopped_ = true;
        violated = true;
        return false;
      };
      for (const auto& [c, m] : chunk_div_) {
        if ((m & bit) && !check(c)) break;
      }
      if (violated) continue;
      for (std::uint64_t c : always_) {
        if (!check(c)) break;
      }
      if (violated) continue;
      // Efficiency: flagged chunks whose mirrors agree.
      if (mode != LoadMode::FirstUse) {
        const std::uint64_t flagged = flagged_total(src, mode);
        const std::uint64_t extra = flagged > flagged_div ? flagged - flagged_div : 0;
        result_.stats.unnecessary_chunks += extra;
        result_.stats.unnecessary_bytes += extra * g.chunk_bytes();
      }
    }
  }

  // The states (bits) in which the fresh members' contents of a segment differ. Per member, the
  // last cover that reached the disk decides, else the durable bytes; each candidate content
  // comes with the states that select it, and two members differ where candidates with different
  // contents are selected.
  std::uint64_t segment_differs(const Segment& sg) {
    const std::size_t n = participants_.size();
    cand_.clear();
    cand_begin_.resize(n + 1);
    for (std::size_t k = 0; k < n; ++k) {
      cand_begin_[k] = static_cast<std::uint32_t>(cand_.size());
      std::uint64_t rest = fresh_mask_[k];
      const std::uint32_t* cb = cover_begin_.data() + std::size_t{sg.index} * (n + 1);
      for (std::uint32_t i = cb[k + 1]; rest && i-- > cb[k];) {
        const Cover& c = covers_[i];
        const std::uint64_t* fm = fmask_.data() + std::size_t{c.pending} * kFates;
        std::uint64_t vis = fm[kLanded];
        for (unsigned j = 0; j < 3; ++j) {
          if ((c.torn_visible >> j) & 1u) vis |= fm[kTorn + j];
        }
        if (vis & rest) cand_.push_back({c.hash, vis & rest});
        rest &= ~vis;
      }
      if (rest) cand_.push_back({base_hash_[std::size_t{sg.index} * n + k], rest});
    }
    cand_begin_[n] = static_cast<std::uint32_t>(cand_.size());
    std::uint64_t differ = 0;
    for (std::size_t k = 0; k < n; ++k) {
      for (std::size_t q = k + 1; q < n; ++q) {
        for (std::uint32_t i = cand_begin_[k]; i < cand_begin_[k + 1]; ++i) {
          for (std::uint32_t j = cand_begin_[q]; j < cand_begin_[q + 1]; ++j) {
            if (cand_[i].first != cand_[j].first) differ |= cand_[i].second & cand_[j].second;
          }
        }
      }
    }
    return differ;
  }

  // Flagged chunks in the source's loaded bitmap: the base count, corrected for landed state blocks.
  std::uint64_t flagged_total(std::size_t src, LoadMode mode) {
    std::int64_t total = static_cast<std::int64_t>(base_flagged_[src * 2 + (mode == LoadMode::Stale)]);
    seen_sectors_.clear();
    const auto& ord = meta_order_[src];
    for (auto it = ord.rbegin(); it != ord.rend(); ++it) {
      const Pending& p = pend_[*it];
      const std::uint32_t nsec = p.covered(cur_[*it]);
      for (std::uint32_t i = p.deltas.begin; i < p.deltas.end; ++i) {
        const SectorDelta& d = deltas_[i];
        if (d.sector >= p.sector + nsec) break;
        if (std::find(seen_sectors_.begin(), seen_sectors_.end(), d.sector) != seen_sectors_.end()) continue;
        seen_sectors_.push_back(d.sector);
        total += mode == LoadMode::Stale ? d.stale : d.reload;
      }
    }
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, total));
  }

  // For every metadata write, per sector of state bytes it holds: how many more chunks it flags
  // than the durable bytes it would replace, under Reload and under Stale.
  void precompute_state_deltas() {
    const Geometry& g = a_->geometry();
    const std::uint64_t area0 = g.state_byte_offset(0), area1 = area0 + g.chunks;
    deltas_.clear();
    for (Pending& p : pend_) {
      p.deltas.begin = p.deltas.end = static_cast<std::uint32_t>(deltas_.size());
      if (!p.meta) continue;
      for (std::uint32_t i = 0; i < p.sectors; ++i) {
        const std::uint64_t sec = p.sector + i;
        const std::uint64_t lo = std::max(sec * 512, area0), hi = std::min(sec * 512 + 512, area1);
        if (lo >= hi) continue;
        const std::uint8_t* nb = p.w->bytes.data() + (lo - p.sector * 512);
        const std::uint8_t* ob = base_meta_[p.member] + lo;
        SectorDelta d;
        d.sector = sec;
        for (std::uint64_t b = 0; b < hi - lo; ++b) {
          d.reload += resynced(nb[b], LoadMode::Reload, *format_) - resynced(ob[b], LoadMode::Reload, *format_);
          d.stale += resynced(nb[b], LoadMode::Stale, *format_) - resynced(ob[b], LoadMode::Stale, *format_);
        }
        deltas_.push_back(d);
      }
      p.deltas.end = static_cast<std::uint32_t>(deltas_.size());
    }
  }

  void record_violation(std::size_t src, std::uint64_t chunk, LoadMode mode) {
    if (result_.violations.size() >= 4) return;
    const Geometry& g = a_->geometry();
    Violation v;
    v.invariant = "safety";
    v.event_index = events_;
    v.at = a_->now();
    v.chunk = chunk;
    v.source = participants_[src];
    for (std::size_t k = 0; k < participants_.size(); ++k) {
      v.on_disk_states.push_back(*meta_at(k, g.state_byte_offset(chunk), 1));
    }
    v.model_state = a_->bitmap()->state(chunk);
    for (std::size_t i = 0; i < pend_.size(); ++i) {
      const Pending& p = pend_[i];
      WriteFate f;
      f.member = participants_[p.member];
      f.write_id = p.w->id;
      f.tag = p.w->tag;
      f.sector = p.w->sector;
      f.sectors = p.w->sectors;
      f.inflight = p.inflight;
      f.fate = cur_[i] == kLost     ? "lost"
               : cur_[i] >= kTorn ? str_cat("torn ", p.tears[cur_[i] - kTorn], "/", p.sectors)
               : p.inflight         ? "landed"
                                    : "kept";
      v.fates.push_back(std::move(f));
    }
    const char* how = mode == LoadMode::Stale ? "stale" : mode == LoadMode::FirstUse ? "first use" : "reload";
    v.detail = str_cat("chunk ", chunk, " differs between the fresh mirrors after the crash, but ",
                       a_->disk(v.source).name(), "'s bitmap (", how, ") holds state ",
                       static_cast<int>(v.on_disk_states[src]), ", which assembly does not resync");
    result_.violations.push_back(std::move(v));
  }

  const Trace& trace_;
  ExploreOptions o_;
  const KernelProfile* format_;  // the explored kernel's on-disk format
  MdArray* a_ = nullptr;
  ExploreResult result_;
  std::chrono::steady_clock::time_point start_;
  std::uint64_t events_ = 0;
  bool stopped_ = false;
  std::uint64_t last_sig_ = 0, last_count_ = ~std::size_t{0};
  std::vector<std::vector<std::pair<std::uint64_t, std::uint32_t>>> logs_;
  std::vector<std::uint32_t> participants_;  // the in-sync members at the current crash point
  std::vector<std::uint8_t> diverged_;
  std::uint64_t diverged_generation_ = 0;
  std::vector<Pending> pend_;
  std::vector<std::vector<std::uint32_t>> order_;
  std::vector<std::vector<std::uint32_t>> meta_order_;  // the metadata writes of order_
  std::vector<std::vector<std::uint32_t>> events_order_, bsb_order_;  // ... covering md events, the bitmap sb
  std::vector<std::uint32_t> forcing_;                  // pending writes with PREFLUSH constraints
  std::vector<const std::uint8_t*> base_meta_;     // into durable_meta_, per participant
  std::vector<std::vector<std::uint8_t>> durable_meta_;  // each member's durable metadata area
  std::vector<std::vector<std::uint64_t>> durable_meta_versions_;  // see MetaArea::refresh
  std::vector<Segment> segs_;
  std::vector<Cover> covers_;
  std::vector<std::uint64_t> base_hash_;     // see Segment
  std::vector<std::uint64_t> scratch_;       // durable_hash's copy of a member's stamps
  std::vector<std::uint32_t> cover_begin_;   // see Segment
  std::vector<std::uint32_t> hiders_, forces_;  // see Pending
  std::vector<SectorDelta> deltas_;             // see Pending
  std::vector<std::uint64_t> bounds_;
  struct TmpCover {
    std::uint32_t seg, member;
    Cover c;
  };
  std::vector<TmpCover> tmp_;
  std::vector<std::uint64_t> always_, ev_, seen_sectors_;
  std::vector<std::uint64_t> base_flagged_;
  std::vector<std::uint8_t> fates_;
  // The queue of states to check (see evaluate_batch) and the batch's scratch.
  static constexpr std::uint32_t kLanes = 64;
  static constexpr std::size_t kFates = 5;  // lost, landed, torn at three points
  std::vector<std::uint8_t> lane_fates_;   // kLanes rows of one fate per pending write
  std::uint32_t lanes_ = 0;
  const std::uint8_t* cur_ = nullptr;      // the fates of the state checked one at a time
  std::array<std::uint8_t, kLanes> lane_src_{};
  std::array<LoadMode, kLanes> lane_mode_{};
  std::vector<std::uint64_t> fresh_mask_, fmask_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> chunk_div_;  // (chunk, states divergent)
  std::vector<std::pair<std::uint64_t, std::uint64_t>> cand_;       // (content, states selecting it)
  std::vector<std::uint32_t> cand_begin_;
  HashCounter seen_;
  std::uint64_t base_sum_ = 0;
  std::array<std::uint8_t, 256> flag_table_{};  // bit 0: resynced after Reload, bit 1: after Stale
  bool check_promises_ = false;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> promise_log_, touched_;
  std::vector<std::vector<std::uint64_t>> prefix_ = std::vector<std::vector<std::uint64_t>>(8);
};

bool has_violation(const Trace& t, const ExploreOptions& o) {
  ExploreOptions q = o;
  q.stop_at_first = true;
  ExploreResult r = explore(t, q);
  return r.run_error.empty() && !r.violations.empty();
}

}  // namespace

ExploreResult explore(const Trace& trace, const ExploreOptions& options) {
  Explorer e(trace, options);
  return e.run();
}

Trace shrink(const Trace& trace, const ExploreOptions& options) {
  Trace best = trace;
  if (!has_violation(best, options)) return best;
  // Operations, one at a time, to a fixpoint (the first op, create, stays).
  bool progress = true;
  while (progress) {
    progress = false;
    for (std::size_t i = best.ops.size(); i-- > 1;) {
      Trace t = best;
      t.ops.erase(t.ops.begin() + static_cast<std::ptrdiff_t>(i));
      if (has_violation(t, options)) {
        best = std::move(t);
        progress = true;
      }
    }
  }
  // Fewer members, then smaller members.
  while (best.array.members > 2) {
    Trace t = best;
    --t.array.members;
    std::erase_if(t.ops, [&](const TraceOp& op) {
      return (op.kind == OpKind::Fail || op.kind == OpKind::Remove || op.kind == OpKind::Readd ||
              op.kind == OpKind::IoError) && op.member >= t.array.members;
    });
    if (!has_violation(t, options)) break;
    best = std::move(t);
  }
  for (std::uint64_t size : {16ull << 20, 32ull << 20, 64ull << 20}) {
    if (size >= best.array.disk.size_bytes) break;
    Trace t = best;
    t.array.disk.size_bytes = size;
    bool fits = true;
    for (const TraceOp& op : t.ops) {
      fits = fits && op.offset_bytes + op.length_bytes + (1u << 20) < size;
    }
    if (fits && has_violation(t, options)) {
      best = std::move(t);
      break;
    }
  }
  best.description = "shrunk from " + (trace.name.empty() ? std::string("a workload") : trace.name) +
                     ": " + best.description;
  return best;
}

Status export_violation(const Trace& trace, const ExploreOptions& options, const Violation& v,
                        const std::string& dir) {
  // Re-run to the crash point, copy the disks there, apply the violation's fates, export.
  Trace t = trace;
  t.array.fault_data_before_bitmap = options.planted_fault;
  RunOptions ro;
  ro.seed = options.seed;
  ro.kernel = options.kernel;
  ro.timeline = false;
  TraceRunner runner(t, ro);
  MdArray& a = runner.array();
  std::uint64_t events = 0;
  std::vector<SimDisk> copies;
  a.set_event_observer([&](const Event&) {
    if (++events == v.event_index && copies.empty()) {
      for (std::uint32_t m = 0; m < a.member_count(); ++m) copies.push_back(a.disk(m));
    }
  });
  runner.run();
  a.set_event_observer(nullptr);
  if (copies.empty()) {
    return Status(Code::NotFound, str_cat("the run has no event ", v.event_index,
                                          " (did the trace or options change?)"));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(Code::IoError, str_cat(dir, ": cannot create: ", ec.message()));
  for (std::uint32_t m = 0; m < copies.size(); ++m) {
    CrashPolicy policy;
    auto fate_of = [&, m](const DiskWrite& w) -> std::string {
      for (const WriteFate& f : v.fates) {
        if (f.member == m && f.write_id == w.id) return f.fate;
      }
      return "lost";
    };
    policy.inflight = [fate_of](const DiskWrite& w) {
      const std::string f = fate_of(w);
      return f == "landed" ? InflightFate::Landed
             : f.rfind("torn", 0) == 0 ? InflightFate::Torn
                                       : InflightFate::Lost;
    };
    policy.cached = [fate_of](const DiskWrite& w) {
      return fate_of(w) == "kept" ? CachedFate::Kept : CachedFate::Lost;
    };
    const std::uint32_t per = std::max<std::uint32_t>(1, copies[m].config().logical_block_size / 512);
    policy.torn_sector_lands = [fate_of, per](const DiskWrite& w, std::uint32_t block) {
      // "torn T/N": the first T sectors landed.
      const std::string f = fate_of(w);
      const std::uint32_t landed = static_cast<std::uint32_t>(std::stoul(f.substr(5, f.find('/') - 5)));
      return block * per < landed;
    };
    copies[m].set_durable_log(nullptr);
    copies[m].crash(policy);
    LLB_RETURN_IF_ERROR(export_disk(copies[m], dir + "/" + copies[m].name() + ".img", DiskView::Durable));
  }
  return Status();
}

std::string format_stats(const ExploreStats& s) {
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "crash points %llu, states generated %llu, distinct %llu, max depth %llu events, "
                "max non-durable writes %llu (%llu points sampled)\n"
                "violations: safety %llu, resync %llu, durability %llu; refused assemblies %llu\n"
                "efficiency: %llu chunks (%llu bytes) resynced without need, summed over states\n"
                "%.3f s, %.0f states/s%s\n",
                static_cast<unsigned long long>(s.crash_points),
                static_cast<unsigned long long>(s.states),
                static_cast<unsigned long long>(s.distinct),
                static_cast<unsigned long long>(s.max_depth),
                static_cast<unsigned long long>(s.max_pending),
                static_cast<unsigned long long>(s.sampled_points),
                static_cast<unsigned long long>(s.safety_violations),
                static_cast<unsigned long long>(s.resync_violations),
                static_cast<unsigned long long>(s.durability_violations),
                static_cast<unsigned long long>(s.refused_states),
                static_cast<unsigned long long>(s.unnecessary_chunks),
                static_cast<unsigned long long>(s.unnecessary_bytes), s.seconds,
                s.seconds > 0 ? static_cast<double>(s.states) / s.seconds : 0.0,
                s.budget_exhausted ? " (budget exhausted)" : "");
  return buf;
}

std::string format_violation(const Violation& v, KernelModel kernel) {
  std::string out = str_cat("VIOLATION (", v.invariant, ") at event ", v.event_index, ", t=",
                            static_cast<double>(v.at) / kTicksPerSecond, " s: ", v.detail, "\n");
  auto name = [&](std::uint8_t b) -> std::string {
    if (b >= kernel_policy(kernel).format->state_count) return hex(b, 2);
    return std::string(state_name(static_cast<State>(b)));
  };
  out += str_cat("  chunk ", v.chunk, ": model (in memory) ", name(v.model_state), "; on disk after the crash:");
  for (std::size_t k = 0; k < v.on_disk_states.size(); ++k) {
    out += str_cat(" member ", k, " ", name(v.on_disk_states[k]));
  }
  out += "\n  writes not durable at the crash:\n";
  for (const WriteFate& f : v.fates) {
    out += str_cat("    vd", static_cast<char>('a' + f.member), " #", f.write_id, " ", f.tag,
                   " sectors ", f.sector, "+", f.sectors, f.inflight ? " (in flight)" : " (cached)",
                   ": ", f.fate, "\n");
  }
  return out;
}

}  // namespace llb::sim
