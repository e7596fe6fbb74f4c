#include "sim/explore/crash_point.h"

#include <algorithm>
#include <cstring>

#include "libformat/codec/md_superblock.h"
#include "sim/explore/hashing.h"

namespace llb::sim {

void CrashPoint::build(const CrashPointInput& in) {
  const MdArray& a = *in.array;
  const Geometry& g = a.geometry();
  const std::vector<std::uint32_t>& parts = *in.participants;
  add_pending(in);
  base_meta = in.base_meta;
  base_sum = in.base_sum;
  build_segments(in);
  precompute_state_deltas(in);
  // Chunks that differ outside every pending write: divergent whatever the fates.
  always.clear();
  for (std::uint64_t c = 0; c < g.chunks; ++c) {
    if ((*in.diverged)[c] && differs_outside_segments(in, c)) always.push_back(c);
  }
  for (Segment& sg : segs) sg.always = std::binary_search(always.begin(), always.end(), sg.chunk);
  base_flagged.assign(parts.size() * 2, 0);
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const std::uint8_t* st = base_meta[k] + g.state_byte_offset(0);
    std::uint64_t reload = 0, stale = 0;
    for (std::uint64_t c = 0; c < g.chunks; ++c) {
      reload += (*in.flags)[st[c]] & 1;
      stale += (*in.flags)[st[c]] >> 1;
    }
    base_flagged[k * 2] = reload;
    base_flagged[k * 2 + 1] = stale;
  }
}

void CrashPoint::add_pending(const CrashPointInput& in) {
  const MdArray& a = *in.array;
  const ExploreOptions& o = *in.options;
  const std::vector<std::uint32_t>& parts = *in.participants;
  pend.clear();
  hiders.clear();
  forces.clear();
  order.assign(parts.size(), {});
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
      if (inflight && o.torn && blocks > 1) {
        for (std::uint32_t b : {1u, (blocks + 1) / 2, blocks - 1}) {
          const std::uint32_t t = std::min(w.sectors, b * per_block);
          if (t == 0 || t >= w.sectors) continue;
          if (ntears && p.tears[ntears - 1] == t) continue;
          p.tears[ntears++] = t;
        }
      }
      p.radix = inflight ? static_cast<std::uint8_t>(2 + ntears) : (o.cache_loss ? 2 : 1);
      p.mix = request_mix(parts[k], w.id);
      p.cover[kLost] = 0;
      p.cover[kLanded] = w.sectors;
      p.adj[kLost] = 0 - p.mix;
      p.adj[kLanded] = 0;
      for (std::uint8_t j = 0; j < ntears; ++j) {
        p.cover[kTorn + j] = p.tears[j];
        p.adj[kTorn + j] =
            request_mix(static_cast<std::uint32_t>(k), w.id ^ (0x5a5a5a5a5a5aull * (kTorn + j))) - p.mix;
      }
      order[k].push_back(static_cast<std::uint32_t>(pend.size()));
      pend.push_back(p);
    };
    // A metadata write whose bytes are already durable beneath it, and that no other pending
    // write of the member overlaps, leaves the same bytes whatever its fate: it is left out (as
    // landed: the canonical hash counts it so). Leaving it out is as if it were lost, which an
    // in-flight write can always be, so no PREFLUSH constraint is lost. Every superblock update
    // rewrites all of bitmap page 0, mostly unchanged: without this, each would multiply the
    // states of a crash point by 2^8 for nothing.
    writes_.clear();
    for (const DiskWrite& w : d.cached_view()) writes_.push_back({&w, false});
    const std::size_t cached_count = writes_.size();
    for (const DiskWrite& w : d.inflight()) writes_.push_back({&w, true});
    const std::uint64_t meta_end = d.config().data_offset_sectors * 512;
    auto unchanged = [&](std::size_t i) {
      const DiskWrite& w = *writes_[i].first;
      if (w.kind != DiskWriteKind::Meta || w.is_read || !w.sectors) return false;
      const std::uint64_t off = w.sector * 512, len = std::uint64_t{w.sectors} * 512;
      if (off + len > meta_end || w.bytes.size() < len) return false;
      if (std::memcmp(w.bytes.data(), in.base_meta[k] + off, len) != 0) return false;
      for (std::size_t j = 0; j < writes_.size(); ++j) {
        const DiskWrite& x = *writes_[j].first;
        if (j == i || !x.sectors || x.is_read) continue;
        if (x.sector < w.sector + w.sectors && w.sector < x.sector + x.sectors) return false;
      }
      return true;
    };
    const std::size_t first_cached = pend.size();
    for (std::size_t i = 0; i < cached_count; ++i) {
      if (!unchanged(i)) add(*writes_[i].first, false);
    }
    const std::size_t first_inflight = pend.size();
    for (std::size_t i = cached_count; i < writes_.size(); ++i) {
      if (!unchanged(i)) add(*writes_[i].first, true);
    }
    // A write with PREFLUSH that reached the disk implies the cache flush before it happened.
    for (std::size_t i = first_inflight; i < pend.size(); ++i) {
      if (!pend[i].w->preflush) continue;
      pend[i].forces.begin = static_cast<std::uint32_t>(forces.size());
      for (std::size_t c = first_cached; c < first_inflight; ++c) {
        if (pend[c].w->completed_seq <= pend[i].w->flush_upto && pend[c].radix > 1) {
          forces.push_back(static_cast<std::uint32_t>(c));
        }
      }
      pend[i].forces.end = static_cast<std::uint32_t>(forces.size());
    }
  }
  forcing.clear();
  for (std::size_t i = 0; i < pend.size(); ++i) {
    if (!pend[i].forces.empty()) forcing.push_back(static_cast<std::uint32_t>(i));
  }
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const auto& ord = order[k];
    for (std::size_t i = 0; i < ord.size(); ++i) {
      Pending& p = pend[ord[i]];
      p.hiders.begin = static_cast<std::uint32_t>(hiders.size());
      for (std::size_t j = i + 1; j < ord.size(); ++j) {
        const Pending& q = pend[ord[j]];
        if (q.meta == p.meta && q.sector <= p.sector && q.sector + q.sectors > p.sector) {
          hiders.push_back(ord[j]);
        }
      }
      p.hiders.end = static_cast<std::uint32_t>(hiders.size());
    }
  }
  meta_order.assign(parts.size(), {});
  events_order.assign(parts.size(), {});
  bsb_order.assign(parts.size(), {});
  const std::uint64_t ev_off = kMdSb12OffsetBytes + mdsb::kEvents;
  const std::uint64_t bsb_off = a.geometry().bitmap_offset_bytes;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    for (std::uint32_t idx : order[k]) {
      const Pending& p = pend[idx];
      if (!p.meta) continue;
      meta_order[k].push_back(idx);
      const std::uint64_t s0 = p.sector * 512, s1 = s0 + std::uint64_t{p.sectors} * 512;
      if (s0 <= ev_off && ev_off + 8 <= s1) events_order[k].push_back(idx);
      if (s0 <= bsb_off && bsb_off + kBitmapSbBytes <= s1) bsb_order[k].push_back(idx);
    }
  }
}

void CrashPoint::build_segments(const CrashPointInput& in) {
  const MdArray& a = *in.array;
  const Geometry& g = a.geometry();
  const std::vector<std::uint32_t>& parts = *in.participants;
  segs.clear();
  covers.clear();
  base_hash.clear();
  cover_begin.clear();
  std::vector<std::uint64_t>& bounds = bounds_;
  bounds.clear();
  const std::uint64_t data_off = a.disk(parts[0]).config().data_offset_sectors;
  for (const Pending& p : pend) {
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
  tmp_.clear();
  for (std::size_t k = 0; k < parts.size(); ++k) {
    for (std::uint32_t idx : order[k]) {
      const Pending& p = pend[idx];
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
  std::stable_sort(tmp_.begin(), tmp_.end(), [](const TmpCover& x, const TmpCover& y) {
    return x.seg != y.seg ? x.seg < y.seg : x.member < y.member;
  });
  const std::size_t n = parts.size();
  for (std::size_t t = 0; t < tmp_.size();) {
    Segment sg;
    const std::uint32_t seg = tmp_[t].seg;
    sg.first = bounds[seg];
    sg.end = bounds[seg + 1];
    sg.chunk = sg.first >> g.chunkshift;
    sg.index = static_cast<std::uint32_t>(segs.size());
    std::size_t k = 0;
    cover_begin.push_back(static_cast<std::uint32_t>(covers.size()));
    for (; t < tmp_.size() && tmp_[t].seg == seg; ++t) {
      while (k < tmp_[t].member) {
        cover_begin.push_back(static_cast<std::uint32_t>(covers.size()));
        ++k;
      }
      covers.push_back(tmp_[t].c);
    }
    while (k < n) {
      cover_begin.push_back(static_cast<std::uint32_t>(covers.size()));
      ++k;
    }
    for (std::uint32_t m : parts) {
      base_hash.push_back(durable_hash(a.disk(m).data_durable(), sg.first, sg.end - sg.first));
    }
    segs.push_back(sg);
  }
}

// slice_hash of a member's durable stamps in [first, first + n).
std::uint64_t CrashPoint::durable_hash(const StampMap& d, std::uint64_t first, std::uint64_t n) {
  std::uint64_t v = 0;
  if (d.uniform(first, n, &v)) return uniform_hash(v, n);
  scratch_.resize(n);
  d.read(first, n, scratch_.data());
  return slice_hash(scratch_.data(), n);
}

bool CrashPoint::differs_outside_segments(const CrashPointInput& in, std::uint64_t c) const {
  const MdArray& a = *in.array;
  const std::vector<std::uint32_t>& parts = *in.participants;
  const Geometry& g = a.geometry();
  const std::uint64_t s = g.chunk_start_sector(c), e = s + g.chunk_sectors(c);
  const auto& d0 = a.disk(parts[0]).data_durable();
  for (std::uint64_t i = s; i < e; ++i) {
    bool in_seg = false;
    for (const Segment& sg : segs) in_seg = in_seg || (i >= sg.first && i < sg.end);
    if (in_seg) continue;
    for (std::size_t k = 1; k < parts.size(); ++k) {
      if (a.disk(parts[k]).data_durable()[i] != d0[i]) return true;
    }
  }
  return false;
}

// For every metadata write, per sector of state bytes it holds: how many more chunks it flags
// than the durable bytes it would replace, under Reload and under Stale.
void CrashPoint::precompute_state_deltas(const CrashPointInput& in) {
  const Geometry& g = in.array->geometry();
  const FlagTable& flags = *in.flags;
  const std::uint64_t area0 = g.state_byte_offset(0), area1 = area0 + g.chunks;
  deltas.clear();
  for (Pending& p : pend) {
    p.deltas.begin = p.deltas.end = static_cast<std::uint32_t>(deltas.size());
    if (!p.meta) continue;
    for (std::uint32_t i = 0; i < p.sectors; ++i) {
      const std::uint64_t sec = p.sector + i;
      const std::uint64_t lo = std::max(sec * 512, area0), hi = std::min(sec * 512 + 512, area1);
      if (lo >= hi) continue;
      const std::uint8_t* nb = p.w->bytes.data() + (lo - p.sector * 512);
      const std::uint8_t* ob = base_meta[p.member] + lo;
      SectorDelta d;
      d.sector = sec;
      for (std::uint64_t b = 0; b < hi - lo; ++b) {
        d.reload += (flags[nb[b]] & 1) - (flags[ob[b]] & 1);
        d.stale += (flags[nb[b]] >> 1) - (flags[ob[b]] >> 1);
      }
      deltas.push_back(d);
    }
    p.deltas.end = static_cast<std::uint32_t>(deltas.size());
  }
}

}  // namespace llb::sim
