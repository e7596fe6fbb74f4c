#include "sim/llbitmap/llbitmap_model.h"

#include <algorithm>
#include <cstring>

namespace llb::sim {

LlbitmapModel::LlbitmapModel(const KernelPolicy& policy, const Geometry& g, std::uint32_t io_size,
                             std::vector<std::uint8_t> area)
    : policy_(policy),
      version_(policy.format->version),
      g_(g),
      io_size_(io_size),
      area_(std::move(area)) {
  const std::size_t bytes = g_.state_area_end_bytes();
  area_.resize(bytes, 0);
  pctl_.resize(bytes / kBitmapPageBytes);
  // Page-cache writes keep buffers to refill (see changes_); block writes copy their blocks.
  if (!policy_.block_writes) changes_.resize(pctl_.size());
  blocks_per_page_ = kBitmapPageBytes / io_size_;
  const bool linux72 = policy_.state_machine == StateMachine::Linux72;
  for (int degraded = 0; degraded < 2; ++degraded) {
    for (int a = 0; a < 10; ++a) {
      const auto action = static_cast<Action>(a);
      for (int c = 0; c < 256; ++c) {
        const auto byte = static_cast<std::uint8_t>(c);
        if (!is_valid_state(byte, version_)) continue;  // invalid bytes are always handled
        const bool need_sync = c == static_cast<int>(State::NeedSync) ||
                               (linux72 && c == static_cast<int>(State::NeedSyncUnwritten));
        const bool degraded_rule = linux72 && degraded && c == static_cast<int>(State::Dirty) &&
                                   action == Action::Startsync;
        untouched_[degraded][a][c] = !need_sync && !degraded_rule &&
                                     transition(version_, static_cast<State>(c), action) == kBitNone;
      }
      untouched_01_[degraded][a] = untouched_[degraded][a][0] && untouched_[degraded][a][1];
    }
  }
}

std::uint64_t LlbitmapModel::next_touched(std::uint64_t i, std::uint64_t limit, bool degraded,
                                          Action action) const {
  if (!fast_paths_) return i;
  const auto& untouched = untouched_[degraded][static_cast<int>(action)];
  const bool words = untouched_01_[degraded][static_cast<int>(action)];
  const std::uint8_t* p = area_.data() + g_.data_offset_bytes;
  while (i < limit) {
    if (words && limit - i >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0xfefefefefefefefeull) == 0) {  // eight bytes, each 0 or 1
        i += 8;
        continue;
      }
    }
    if (!untouched[p[i]]) break;
    ++i;
  }
  return i;
}

std::vector<std::uint64_t> LlbitmapModel::counts() const {
  std::vector<std::uint64_t> c(256, 0);
  for (std::uint64_t i = 0; i < g_.chunks; ++i) ++c[state(i)];
  return c;
}

std::pair<std::uint32_t, std::uint32_t> LlbitmapModel::infect_range(std::uint32_t idx,
                                                                    std::uint32_t offset) const {
  // Linux 7.2: the whole logical block. The patch: infect_unit_bytes around the byte, never the
  // bytes before the state bytes (on 4 KiB blocks, block 0 holds the bitmap superblock).
  const std::uint32_t unit = policy_.infect_unit_bytes ? policy_.infect_unit_bytes : io_size_;
  std::uint32_t first = offset / unit * unit;
  const std::uint32_t end = first + unit;
  if (policy_.infect_spares_superblock && idx == 0 && first < g_.data_offset_bytes) {
    first = static_cast<std::uint32_t>(g_.data_offset_bytes);
  }
  return {first, end};
}

void LlbitmapModel::infect_block(std::uint32_t idx, std::uint32_t offset) {
  // llbitmap_infect_dirty_bits: every byte of the range, whatever it is. In page 0 with a 4 KiB
  // io_size Linux 7.2's range includes the bitmap superblock's own bytes.
  std::uint8_t* page = area_.data() + std::size_t{idx} * kBitmapPageBytes;
  const auto [first, end] = infect_range(idx, offset);
  for (std::uint32_t pos = first; pos < end; ++pos) {
    switch (static_cast<State>(page[pos])) {
      case State::Unwritten: page[pos] = static_cast<std::uint8_t>(State::Dirty); break;
      case State::Clean:
      case State::CleanUnwritten: page[pos] = static_cast<std::uint8_t>(State::Dirty); break;
      default: break;
    }
  }
  forget_kept(idx);  // changed outside note_change (a no-op upstream, which keeps no buffers)
}

void LlbitmapModel::set_page_dirty(std::uint32_t idx, std::uint32_t offset, bool infect,
                                   bool degraded) {
  PageCtl& p = pctl_[idx];
  const std::uint32_t block = offset / io_size_;
  const std::uint64_t bit = std::uint64_t{1} << block;
  p.dirty = true;
  if (degraded || !infect) {
    p.dirty_blocks |= bit;
    return;
  }
  // A second dirtying of the block before it was written, or another Dirty/NeedSync byte in its
  // infection range, turns the range Dirty so that later writes to it cost nothing.
  if (p.dirty_blocks & bit) {
    infect_block(idx, offset);
    return;
  }
  p.dirty_blocks |= bit;
  const std::uint8_t* page = area_.data() + std::size_t{idx} * kBitmapPageBytes;
  const auto [first, end] = infect_range(idx, offset);
  for (std::uint32_t pos = first; pos < end; ++pos) {
    if (pos == offset) continue;
    if (page[pos] == static_cast<std::uint8_t>(State::Dirty) ||
        page[pos] == static_cast<std::uint8_t>(State::NeedSync)) {
      infect_block(idx, offset);
      return;
    }
  }
}

void LlbitmapModel::write_state(std::uint64_t chunk, std::uint8_t s, Tick now) {
  const std::uint64_t pos = g_.data_offset_bytes + chunk;
  area_[pos] = s;
  note_change(pos);
  const auto idx = static_cast<std::uint32_t>(pos / kBitmapPageBytes);
  const auto offset = static_cast<std::uint32_t>(pos % kBitmapPageBytes);
  if (!policy_.infects_blocks) {
    // state_to_page: every write dirties the page cache page.
    PageCtl& p = pctl_[idx];
    if (!p.dirty) p.dirtied_at = now;
    p.dirty = true;
    return;
  }
  if (s == static_cast<std::uint8_t>(State::Dirty) ||
      s == static_cast<std::uint8_t>(State::NeedSync)) {
    set_page_dirty(idx, offset, true, degraded_for_infect_);
  } else if (s == static_cast<std::uint8_t>(State::NeedSyncUnwritten)) {
    set_page_dirty(idx, offset, false, degraded_for_infect_);
  }
}

void LlbitmapModel::init_states(bool clean, Tick now) {
  const std::uint8_t s = static_cast<std::uint8_t>(
      clean && policy_.format->honours_clean_flag ? State::Clean : State::Unwritten);
  for (std::uint64_t i = 0; i < g_.chunks; ++i) write_state(i, s, now);
}

PassResult LlbitmapModel::apply_pass(std::uint64_t start, std::uint64_t end, Action action,
                                     bool degraded, Tick now) {
  PassResult r;
  degraded_for_infect_ = degraded;
  if (policy_.state_machine == StateMachine::Rfc) return apply_pass_rfc(start, end, action, now);
  std::uint8_t state = kBitNone;
  {
    const std::uint64_t limit = end < g_.chunks ? end + 1 : g_.chunks;
    for (std::uint64_t i = start; i < limit; ++i) {
      const std::uint64_t next = next_touched(i, limit, degraded, action);
      if (next != i) {
        state = kBitNone;  // what the steps below leave for the chunks passed over
        i = next;
        if (i == limit) break;
      }
      const std::uint8_t c = this->state(i);
      if (!is_valid_state(c, version_)) {
        // "invalid bit ... forcing resync"
        state = static_cast<std::uint8_t>(State::NeedSync);
        ++r.invalid;
      } else {
        if (c == static_cast<std::uint8_t>(State::NeedSync) ||
            c == static_cast<std::uint8_t>(State::NeedSyncUnwritten)) {
          r.need_resync = !degraded;
        }
        state = transition(version_, static_cast<State>(c), action);
      }
      if (degraded) {
        if (state == static_cast<std::uint8_t>(State::Dirty) && action == Action::Startwrite) {
          state = static_cast<std::uint8_t>(State::NeedSync);  // new data on a degraded array
        } else if (c == static_cast<std::uint8_t>(State::Dirty) && action == Action::Startsync) {
          state = static_cast<std::uint8_t>(State::Syncing);  // recover dirty data as well
        }
      }
      if (state == kBitNone) continue;
      write_state(i, state, now);
      if (state == static_cast<std::uint8_t>(State::NeedSync) ||
          state == static_cast<std::uint8_t>(State::NeedSyncUnwritten)) {
        r.need_resync = !degraded;
      } else if (state == static_cast<std::uint8_t>(State::Dirty)) {
        r.arm_daemon_timer = true;
      }
    }
    r.last_state = state;
    return r;
  }
}

// The RFC, as written: an invalid byte jumps straight to the write with whatever `state` the
// previous chunk left (BitNone for the first chunk), and does not ask for recovery.
PassResult LlbitmapModel::apply_pass_rfc(std::uint64_t start, std::uint64_t end, Action action,
                                         Tick now) {
  PassResult r;
  const bool degraded = degraded_for_infect_;
  std::uint8_t state = kBitNone;
  const std::uint64_t limit = end < g_.chunks ? end + 1 : g_.chunks;
  for (std::uint64_t i = start; i < limit; ++i) {
    const std::uint64_t next = next_touched(i, limit, degraded, action);
    if (next != i) {
      state = kBitNone;
      i = next;
      if (i == limit) break;
    }
    std::uint8_t c = this->state(i);
    if (!is_valid_state(c, version_)) {
      ++r.invalid;
      write_state(i, state, now);
      continue;
    }
    if (c == static_cast<std::uint8_t>(State::NeedSync)) r.need_resync = true;
    state = transition(version_, static_cast<State>(c), action);
    if (state == kBitNone) continue;
    if (state == static_cast<std::uint8_t>(State::NeedSync)) {
      r.need_resync = true;
    } else if (state == static_cast<std::uint8_t>(State::Dirty)) {
      // timer_reduce(&pending_timer, jiffies + action == Startwrite ? daemon_sleep * HZ : 1):
      // '+' binds tighter than '==', so the expiry is 1 (jiffies + action is never 0): the
      // daemon runs at the next jiffy instead of after daemon_sleep.
      r.rfc_timer_now = true;
    }
    write_state(i, state, now);
  }
  r.last_state = state;
  return r;
}

bool LlbitmapModel::any_page_dirty() const {
  return std::any_of(pctl_.begin(), pctl_.end(), [](const PageCtl& p) { return p.dirty; });
}

BitmapWrite LlbitmapModel::block_write(std::uint32_t page, std::uint32_t block) const {
  BitmapWrite w;
  w.page = page;
  w.block = block;
  w.offset = std::uint64_t{page} * kBitmapPageBytes + std::uint64_t{block} * io_size_;
  w.bytes = MetaBytes(area_.begin() + static_cast<std::ptrdiff_t>(w.offset),
                      area_.begin() + static_cast<std::ptrdiff_t>(w.offset + io_size_));
  return w;
}

void LlbitmapModel::note_change(std::uint64_t offset) {
  if (changes_.empty()) return;
  PageChanges& c = changes_[offset / kBitmapPageBytes];
  c.log[c.count % kChangeLog] = static_cast<std::uint16_t>(offset % kBitmapPageBytes);
  ++c.count;
}

void LlbitmapModel::forget_kept(std::uint32_t page) {
  if (changes_.empty()) return;
  for (KeptPage& k : changes_[page].kept) k.bytes.clear();
}

BitmapWrite LlbitmapModel::page_write(std::uint32_t page) {
  BitmapWrite w;
  w.page = page;
  w.offset = std::uint64_t{page} * kBitmapPageBytes;
  const std::uint8_t* const src = area_.data() + w.offset;
  if (changes_.empty()) {
    w.bytes = MetaBytes(src, src + kBitmapPageBytes);
    ++page_copies_;
    return w;
  }
  PageChanges& c = changes_[page];
  for (KeptPage& k : c.kept) {
    if (!k.bytes.unique()) continue;
    std::uint8_t* const dst = k.bytes.mutable_data();  // no copy: nobody else holds it
    if (c.count - k.synced > kChangeLog) {  // the log no longer reaches back that far
      std::memcpy(dst, src, kBitmapPageBytes);
      ++page_copies_;
    } else {
      for (std::uint64_t i = k.synced; i < c.count; ++i) {
        const std::uint16_t at = c.log[i % kChangeLog];
        dst[at] = src[at];
      }
    }
    k.synced = c.count;
    w.bytes = k.bytes;
    return w;
  }
  KeptPage& k = c.kept[c.next];
  c.next = static_cast<std::uint8_t>((c.next + 1) % kKeptPerPage);
  k.bytes = MetaBytes(src, src + kBitmapPageBytes);
  k.synced = c.count;
  ++page_copies_;
  w.bytes = k.bytes;
  return w;
}

void LlbitmapModel::take_dirty_blocks(std::vector<BitmapWrite>& out) {
  out.clear();
  for (std::uint32_t i = 0; i < pctl_.size(); ++i) {
    PageCtl& p = pctl_[i];
    if (!p.dirty) continue;
    p.dirty = false;
    for (std::uint32_t b = 0; b < blocks_per_page_; ++b) {
      const std::uint64_t bit = std::uint64_t{1} << b;
      if (!(p.dirty_blocks & bit)) continue;
      p.dirty_blocks &= ~bit;
      out.push_back(block_write(i, b));
    }
  }
}

std::vector<BitmapWrite> LlbitmapModel::all_blocks() {
  std::vector<BitmapWrite> out;
  for (std::uint32_t i = 0; i < pctl_.size(); ++i) {
    pctl_[i].dirty = true;  // __llbitmap_flush sets LLPageDirty and leaves it set
    pctl_[i].dirty_blocks = 0;
    for (std::uint32_t b = 0; b < blocks_per_page_; ++b) out.push_back(block_write(i, b));
  }
  return out;
}

std::vector<BitmapWrite> LlbitmapModel::superblock_blocks() {
  // llbitmap_write_sb: bitmap_fill(pctl[0]->dirty, nr) for the superblock's blocks; but
  // bitmap_fill sets whole longs, so every block of page 0 up to the 64th is marked: each
  // superblock update writes the first 3072 chunks' states from memory too (Clean, Unwritten
  // after a discard...). A kernel instrumented in llbitmap_write_page showed all eight 512-byte
  // blocks written by every llbitmap_update_sb (issue 15).
  const std::uint32_t nr = (kUpstreamDataOffsetBytes + io_size_ - 1) / io_size_;
  const std::uint32_t filled = std::min<std::uint32_t>((nr + 63) / 64 * 64, blocks_per_page_);
  PageCtl& p = pctl_[0];
  for (std::uint32_t b = 0; b < filled; ++b) p.dirty_blocks |= std::uint64_t{1} << b;
  std::vector<BitmapWrite> out;
  for (std::uint32_t b = 0; b < blocks_per_page_; ++b) {
    const std::uint64_t bit = std::uint64_t{1} << b;
    if (!(p.dirty_blocks & bit)) continue;
    p.dirty_blocks &= ~bit;
    out.push_back(block_write(0, b));
  }
  return out;
}

void LlbitmapModel::take_dirty_state_pages(std::vector<BitmapWrite>& out) {
  out.clear();
  for (std::uint32_t i = 1; i < pctl_.size(); ++i) {
    if (!pctl_[i].dirty) continue;
    pctl_[i].dirty = false;
    pctl_[i].dirtied_at = kNever;
    out.push_back(page_write(i));
  }
}

std::vector<BitmapWrite> LlbitmapModel::take_expired_pages(Tick older_than) {
  std::vector<BitmapWrite> out;
  for (std::uint32_t i = 0; i < pctl_.size(); ++i) {
    if (!pctl_[i].dirty || pctl_[i].dirtied_at > older_than) continue;
    pctl_[i].dirty = false;
    pctl_[i].dirtied_at = kNever;
    out.push_back(page_write(i));
  }
  return out;
}

BitmapWrite LlbitmapModel::take_superblock_page() {
  pctl_[0].dirty = false;
  pctl_[0].dirtied_at = kNever;
  return page_write(0);
}

}  // namespace llb::sim
