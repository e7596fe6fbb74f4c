#include "sim/explore/checker.h"

#include <algorithm>

#include "libformat/codec/md_superblock.h"
#include "sim/llbitmap/llbitmap_model.h"

namespace llb::sim {

void StateChecker::begin_point(const CrashPoint& cp, const MdArray& a,
                               const std::vector<std::uint32_t>& participants,
                               std::uint64_t events) {
  cp_ = &cp;
  a_ = &a;
  participants_ = &participants;
  events_ = events;
  np_ = cp.pend.size();
  lane_fates_.resize(kLanes * np_);
  lanes_ = 0;
}

std::uint64_t StateChecker::canonical_hash() const {
  // Locals, not members: the loop runs once per state over every pending write, and the compiler
  // cannot keep members in registers across it.
  const Pending* const pend = cp_->pend.data();
  const std::size_t np = cp_->pend.size();
  const std::uint32_t* const hiders = cp_->hiders.data();
  const std::uint8_t* const cur = cur_;
  std::uint64_t h = cp_->base_sum;
  for (std::size_t i = 0; i < np; ++i) {
    const Pending& p = pend[i];
    const std::uint8_t f = cur[i];
    std::uint64_t c = p.adj[f];
    if (!p.hiders.empty() && f != kLost) {
      // Wholly overwritten by a later write that reached the disk: as if lost.
      const std::uint64_t e = p.sector + p.cover[f];
      for (std::uint32_t x = p.hiders.begin; x < p.hiders.end; ++x) {
        const std::uint32_t j = hiders[x];
        const std::uint32_t n = pend[j].cover[cur[j]];
        if (n && pend[j].sector + n >= e) {
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
bool StateChecker::producible() const {
  for (std::uint32_t i : cp_->forcing) {
    if (cur_[i] == kLost) continue;
    const Pending& p = cp_->pend[i];
    for (std::uint32_t f = p.forces.begin; f < p.forces.end; ++f) {
      if (cur_[cp_->forces[f]] == kLost) return false;
    }
  }
  return true;
}

void StateChecker::evaluate_batch() {
  const bool raced = a_->any_chunk_raced();
  const bool bad = a_->any_bad_blocks();
  const std::size_t np = np_, n = participants_->size();
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
      ev_[k] = load_le64(cp_->meta_in(cp_->events_order[k], k, kMdSb12OffsetBytes + mdsb::kEvents,
                                      8, cur_));
      max_events = std::max(max_events, ev_[k]);
    }
    std::size_t src = n;
    for (std::size_t k = 0; k < n; ++k) {
      if (ev_[k] != max_events) continue;
      if (src == n) src = k;
      fresh_mask_[k] |= bit;
    }
    // The bitmap superblock of the source decides the load.
    const std::uint8_t* bsb =
        cp_->meta_in(cp_->bsb_order[src], src, g.bitmap_offset_bytes, kBitmapSbBytes, cur_);
    const LoadMode mode = load_mode(bsb, max_events, format_);
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
  for (const Segment& sg : cp_->segs) {
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
    if (!budget_.left(result_)) return;
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
      // Two overlapping user writes in flight together: the application left the chunk's content
      // undefined (raid1 orders neither), with or without a crash.
      if (raced && a_->chunk_raced(c)) return true;
      // A member with recorded bad blocks there: md reads the chunk only from the others, and
      // resync skips the bad blocks, so the mirrors may differ (the bad-block log's promise).
      if (bad && a_->chunk_has_bad_blocks(c)) return true;
      const std::uint8_t byte = *meta_at(src, g.state_byte_offset(c), 1);
      if (resynced(byte, mode, format_)) {
        ++flagged_div;
        return true;
      }
      ++result_.stats.safety_violations;
      ++result_.stats.resync_violations;
      record_violation(src, c, mode);
      if (o_.stop_at_first) budget_.stopped = true;
      violated = true;
      return false;
    };
    for (const auto& [c, m] : chunk_div_) {
      if ((m & bit) && !check(c)) break;
    }
    if (violated) continue;
    for (std::uint64_t c : cp_->always) {
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
std::uint64_t StateChecker::segment_differs(const Segment& sg) {
  const std::size_t n = participants_->size();
  cand_.clear();
  cand_begin_.resize(n + 1);
  for (std::size_t k = 0; k < n; ++k) {
    cand_begin_[k] = static_cast<std::uint32_t>(cand_.size());
    std::uint64_t rest = fresh_mask_[k];
    const std::uint32_t* cb = cp_->cover_begin.data() + std::size_t{sg.index} * (n + 1);
    for (std::uint32_t i = cb[k + 1]; rest && i-- > cb[k];) {
      const Cover& c = cp_->covers[i];
      const std::uint64_t* fm = fmask_.data() + std::size_t{c.pending} * kFates;
      std::uint64_t vis = fm[kLanded];
      for (unsigned j = 0; j < 3; ++j) {
        if ((c.torn_visible >> j) & 1u) vis |= fm[kTorn + j];
      }
      if (vis & rest) cand_.push_back({c.hash, vis & rest});
      rest &= ~vis;
    }
    if (rest) cand_.push_back({cp_->base_hash[std::size_t{sg.index} * n + k], rest});
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
std::uint64_t StateChecker::flagged_total(std::size_t src, LoadMode mode) {
  std::int64_t total =
      static_cast<std::int64_t>(cp_->base_flagged[src * 2 + (mode == LoadMode::Stale)]);
  seen_sectors_.clear();
  const auto& ord = cp_->meta_order[src];
  for (auto it = ord.rbegin(); it != ord.rend(); ++it) {
    const Pending& p = cp_->pend[*it];
    const std::uint32_t nsec = p.covered(cur_[*it]);
    for (std::uint32_t i = p.deltas.begin; i < p.deltas.end; ++i) {
      const SectorDelta& d = cp_->deltas[i];
      if (d.sector >= p.sector + nsec) break;
      if (std::find(seen_sectors_.begin(), seen_sectors_.end(), d.sector) != seen_sectors_.end()) continue;
      seen_sectors_.push_back(d.sector);
      total += mode == LoadMode::Stale ? d.stale : d.reload;
    }
  }
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, total));
}

void StateChecker::record_violation(std::size_t src, std::uint64_t chunk, LoadMode mode) {
  if (result_.violations.size() >= 4) return;
  const Geometry& g = a_->geometry();
  const std::vector<std::uint32_t>& parts = *participants_;
  Violation v;
  v.invariant = "safety";
  v.event_index = events_;
  v.at = a_->now();
  v.chunk = chunk;
  v.source = parts[src];
  for (std::size_t k = 0; k < parts.size(); ++k) {
    v.on_disk_states.push_back(*meta_at(k, g.state_byte_offset(chunk), 1));
  }
  v.model_state = a_->bitmap()->state(chunk);
  for (std::size_t i = 0; i < cp_->pend.size(); ++i) {
    const Pending& p = cp_->pend[i];
    WriteFate f;
    f.member = parts[p.member];
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

}  // namespace llb::sim
