#include "sim/core/disk.h"

#include <algorithm>

namespace llb::sim {

SimDisk::SimDisk(std::string name, const DiskConfig& config)
    : name_(std::move(name)),
      config_(config),
      meta_current_(config.data_offset_sectors * 512),
      meta_durable_(meta_current_),
      data_current_(config.size_bytes / 512 - config.data_offset_sectors),
      data_durable_(config.size_bytes / 512 - config.data_offset_sectors) {}

Tick SimDisk::write_latency(Prng& p) const {
  return p.range(config_.write_latency_min, config_.write_latency_max);
}
Tick SimDisk::read_latency(Prng& p) const {
  return p.range(config_.read_latency_min, config_.read_latency_max);
}
Tick SimDisk::flush_latency(Prng& p) const {
  return p.range(config_.flush_latency_min, config_.flush_latency_max);
}

std::uint32_t SimDisk::new_slot() {
  if (free_slots_.empty()) {
    slots_.emplace_back();
    links_.emplace_back();
    return static_cast<std::uint32_t>(slots_.size() - 1);
  }
  const std::uint32_t s = free_slots_.back();
  free_slots_.pop_back();
  return s;
}

void SimDisk::push_back(List& l, std::uint32_t slot) {
  links_[slot] = Link{l.tail, kNoSlot, &l == &inflight_};
  if (l.tail == kNoSlot) {
    l.head = slot;
  } else {
    links_[l.tail].next = slot;
  }
  l.tail = slot;
  ++l.count;
}

void SimDisk::unlink(List& l, std::uint32_t slot) {
  const Link k = links_[slot];
  if (k.prev == kNoSlot) {
    l.head = k.next;
  } else {
    links_[k.prev].next = k.next;
  }
  if (k.next == kNoSlot) {
    l.tail = k.prev;
  } else {
    links_[k.next].prev = k.prev;
  }
  --l.count;
  links_[slot].in_flight = false;
}

void SimDisk::track_inflight(std::uint32_t slot) {
  push_back(inflight_, slot);
  by_id_[slots_[slot].id & (kIdSlots - 1)] = slot;
}

std::uint32_t SimDisk::find_inflight(std::uint64_t id) const {
  // Ids are sequential, so the probe holds unless over kIdSlots requests are in flight at once;
  // then walk the list.
  const std::uint32_t s = by_id_[id & (kIdSlots - 1)];
  if (s != kNoSlot && links_[s].in_flight && slots_[s].id == id) return s;
  for (std::uint32_t at = inflight_.head; at != kNoSlot; at = links_[at].next) {
    if (slots_[at].id == id) return at;
  }
  return kNoSlot;
}

void SimDisk::pop_cached() {
  const std::uint32_t s = cache_.head;
  unlink(cache_, s);
  release_slot(s);
}

std::uint64_t SimDisk::submit_write(DiskWrite&& w) {
  w.id = next_id_++;
  if (w.preflush) w.flush_upto = completed_seq_;
  const std::uint64_t id = w.id;
  const std::uint32_t slot = new_slot();
  slots_[slot] = std::move(w);
  track_inflight(slot);
  return id;
}

// Inlined into each submission: the data and metadata writes come at the simulation's rate.
[[gnu::always_inline]] inline DiskWrite& SimDisk::new_request(DiskWriteKind kind,
                                                              std::uint64_t sector,
                                                              std::uint32_t sectors, bool fua,
                                                              bool preflush, std::uint32_t owner,
                                                              const char* tag) {
  const std::uint32_t slot = new_slot();
  DiskWrite& w = slots_[slot];
  w.id = next_id_++;
  w.kind = kind;
  w.sector = sector;
  w.sectors = sectors;
  w.fua = fua;
  w.preflush = preflush;
  w.flush_upto = preflush ? completed_seq_ : 0;
  w.bytes.clear();
  w.stamps.clear();
  w.stamp = 0;
  w.completed_seq = 0;
  w.owner = owner;
  w.is_read = false;
  w.tag = tag;
  track_inflight(slot);
  return w;
}

std::uint64_t SimDisk::submit_data(std::uint64_t sector, std::uint32_t sectors, std::uint64_t stamp,
                                   bool fua, std::uint32_t owner, const char* tag) {
  DiskWrite& w = new_request(DiskWriteKind::Data, sector, sectors, fua, false, owner, tag);
  w.stamp = stamp;
  return w.id;
}

std::uint64_t SimDisk::submit_meta(std::uint64_t sector, const MetaBytes& bytes, bool fua,
                                   bool preflush, std::uint32_t owner, const char* tag) {
  DiskWrite& w = new_request(DiskWriteKind::Meta, sector,
                             static_cast<std::uint32_t>(bytes.size() / 512), fua, preflush, owner, tag);
  w.bytes = bytes;
  return w.id;
}

std::uint64_t SimDisk::submit_flush(std::uint32_t owner) {
  return new_request(DiskWriteKind::Data, 0, 0, false, true, owner, "flush").id;
}

std::uint64_t SimDisk::submit_read(std::uint64_t sector, std::uint32_t sectors,
                                   std::uint32_t owner) {
  DiskWrite& w = new_request(DiskWriteKind::Data, sector, sectors, false, false, owner, "read");
  w.is_read = true;
  return w.id;
}

bool SimDisk::is_inflight(std::uint64_t id) const { return find_inflight(id) != kNoSlot; }

bool SimDisk::take_read_error() {
  if (health_ != DiskHealth::Healthy) return true;
  if (read_errors_ == 0) return false;
  --read_errors_;
  return true;
}

void SimDisk::complete(std::uint64_t id, Completion& c) {
  const std::uint32_t slot = find_inflight(id);
  if (slot == kNoSlot) return;
  unlink(inflight_, slot);
  DiskWrite& w = slots_[slot];
  c.found = true;
  c.owner = w.owner;
  c.is_read = w.is_read;
  c.kind = w.kind;
  bool cached = false;
  if (health_ != DiskHealth::Healthy) {
    // dropped
  } else if (w.is_read) {
    c.ok = !take_read_error();
  } else if (w.sectors > 0 && write_errors_ > 0) {
    --write_errors_;
  } else if (w.sectors > 0 && !defects_.empty() && hits_defect(w.sector, w.sectors)) {
    // the write fails; a disk that remaps nothing leaves the old bytes
  } else {
    c.ok = true;
    if (w.preflush && !(config_.fault_flush_noop && w.sectors == 0)) make_durable_upto(w.flush_upto);
    if (w.sectors > 0) {
      const bool durable = w.fua || !config_.volatile_cache;
      apply(w, durable);
      if (durable) {
        ++completed_seq_;
      } else {
        w.completed_seq = ++completed_seq_;
        push_back(cache_, slot);
        cached = true;
        // A full cache destages its oldest write.
        if (cached_count() > config_.cache_capacity) {
          apply_whole(slots_[cache_.head], meta_durable_, data_durable_);
          pop_cached();
        }
      }
    }
  }
  if (!cached) release_slot(slot);
}

void SimDisk::apply_to(const DiskWrite& w, MetaArea& meta, StampMap& data, std::uint32_t first,
                       std::uint32_t count) const {
  if (w.kind == DiskWriteKind::Meta) {
    meta.write((w.sector + first) * 512, w.bytes, std::size_t{first} * 512, std::size_t{count} * 512);
  } else {
    const std::uint64_t base = data_sector_index(w.sector);
    if (logged(data)) durable_log_->push_back({base + first, count});
    if (w.stamps.empty()) {
      data.fill(base + first, count, w.stamp);
    } else {
      data.assign(base + first, count, w.stamps.data() + first);
    }
  }
}

void SimDisk::apply(const DiskWrite& w, bool durable) {
  apply_whole(w, meta_current_, data_current_);
  if (durable) apply_whole(w, meta_durable_, data_durable_);
}

void SimDisk::make_durable_upto(std::uint64_t seq) {
  while (cached_count() > 0 && slots_[cache_.head].completed_seq <= seq) {
    const DiskWrite& w = slots_[cache_.head];
    apply_to(w, meta_durable_, data_durable_, 0, w.sectors);
    pop_cached();
  }
}

void SimDisk::crash(const CrashPolicy& policy) {
  // Cached writes first, in completion order, then in-flight ones (they were issued later or
  // are racing; a landed in-flight write overrides an older cached one at the same place).
  for (const DiskWrite& w : cached_view()) {
    if (policy.cached(w) == CachedFate::Kept) apply_to(w, meta_durable_, data_durable_, 0, w.sectors);
  }
  for (const DiskWrite& w : inflight()) {
    if (w.sectors == 0 || w.is_read) continue;
    switch (policy.inflight(w)) {
      case InflightFate::Lost: break;
      case InflightFate::Landed: apply_to(w, meta_durable_, data_durable_, 0, w.sectors); break;
      case InflightFate::Torn: {
        // Logical blocks are atomic: a 4 KiB-sector disk tears at 4 KiB.
        const std::uint32_t per = std::max<std::uint32_t>(1, config_.logical_block_size / 512);
        for (std::uint32_t i = 0; i < w.sectors; i += per) {
          if (policy.torn_sector_lands(w, i / per)) {
            apply_to(w, meta_durable_, data_durable_, i, std::min(per, w.sectors - i));
          }
        }
        break;
      }
    }
  }
  drop_requests();
  meta_current_ = meta_durable_;
  data_current_ = data_durable_;
}

void SimDisk::write_meta_offline(std::uint64_t offset_bytes, std::span<const std::uint8_t> b) {
  meta_current_.write(offset_bytes, b.data(), b.size());
  meta_durable_.write(offset_bytes, b.data(), b.size());
}

void SimDisk::drop_requests() {
  for (const List* l : {&inflight_, &cache_}) {
    for (std::uint32_t at = l->head; at != kNoSlot; at = links_[at].next) release_slot(at);
  }
  inflight_ = List();
  cache_ = List();
}

void SimDisk::reset_offline() {
  drop_requests();
  meta_current_ = meta_durable_;
  data_current_ = data_durable_;
}

}  // namespace llb::sim
