#include "sim/disk.h"

#include <algorithm>
#include <cstring>

namespace llb::sim {

SimDisk::SimDisk(std::string name, const DiskConfig& config)
    : name_(std::move(name)),
      config_(config),
      meta_current_(config.data_offset_sectors * 512, 0),
      meta_durable_(config.data_offset_sectors * 512, 0),
      data_current_(config.size_bytes / 512 - config.data_offset_sectors, 0),
      data_durable_(config.size_bytes / 512 - config.data_offset_sectors, 0) {}

Tick SimDisk::write_latency(Prng& p) const {
  return p.range(config_.write_latency_min, config_.write_latency_max);
}
Tick SimDisk::read_latency(Prng& p) const {
  return p.range(config_.read_latency_min, config_.read_latency_max);
}
Tick SimDisk::flush_latency(Prng& p) const {
  return p.range(config_.flush_latency_min, config_.flush_latency_max);
}

std::uint64_t SimDisk::submit_write(DiskWrite w) {
  w.id = next_id_++;
  if (w.preflush) w.flush_upto = completed_seq_;
  inflight_.push_back(std::move(w));
  return inflight_.back().id;
}

std::uint64_t SimDisk::submit_flush(std::uint32_t owner) {
  DiskWrite w;
  w.kind = DiskWriteKind::Data;
  w.sectors = 0;
  w.preflush = true;
  w.owner = owner;
  w.tag = "flush";
  return submit_write(std::move(w));
}

std::uint64_t SimDisk::submit_read(std::uint64_t sector, std::uint32_t sectors,
                                   std::uint32_t owner) {
  DiskWrite w;
  w.is_read = true;
  w.sector = sector;
  w.sectors = sectors;
  w.owner = owner;
  w.tag = "read";
  return submit_write(std::move(w));
}

bool SimDisk::is_inflight(std::uint64_t id) const {
  return std::any_of(inflight_.begin(), inflight_.end(),
                     [id](const DiskWrite& w) { return w.id == id; });
}

bool SimDisk::take_read_error() {
  if (health_ != DiskHealth::Healthy) return true;
  if (read_errors_ == 0) return false;
  --read_errors_;
  return true;
}

Completion SimDisk::complete(std::uint64_t id) {
  Completion c;
  auto it = std::find_if(inflight_.begin(), inflight_.end(),
                         [id](const DiskWrite& w) { return w.id == id; });
  if (it == inflight_.end()) return c;
  DiskWrite w = std::move(*it);
  inflight_.erase(it);
  c.found = true;
  c.owner = w.owner;
  c.is_read = w.is_read;
  c.kind = w.kind;
  if (health_ != DiskHealth::Healthy) return c;
  if (w.is_read) {
    c.ok = !take_read_error();
    return c;
  }
  if (w.sectors > 0 && write_errors_ > 0) {
    --write_errors_;
    return c;
  }
  c.ok = true;
  if (w.preflush && !(config_.fault_flush_noop && w.sectors == 0)) make_durable_upto(w.flush_upto);
  if (w.sectors == 0) return c;  // a pure flush
  const bool durable = w.fua || !config_.volatile_cache;
  apply(w, durable);
  if (!durable) {
    w.completed_seq = ++completed_seq_;
    cache_.push_back(std::move(w));
    // A full cache destages its oldest write.
    if (cache_.size() > config_.cache_capacity) {
      const DiskWrite& old = cache_.front();
      apply_to(old, meta_durable_, data_durable_, 0, old.sectors);
      cache_.pop_front();
    }
  } else {
    ++completed_seq_;
  }
  return c;
}

void SimDisk::apply_to(const DiskWrite& w, std::vector<std::uint8_t>& meta,
                       std::vector<std::uint64_t>& data, std::uint32_t first,
                       std::uint32_t count) const {
  if (w.kind == DiskWriteKind::Meta) {
    std::memcpy(meta.data() + (w.sector + first) * 512, w.bytes.data() + first * 512,
                std::size_t{count} * 512);
  } else {
    const std::uint64_t base = data_sector_index(w.sector);
    if (durable_log_ && &data == &data_durable_) durable_log_->push_back({base + first, count});
    auto out = data.begin() + static_cast<std::ptrdiff_t>(base + first);
    if (w.stamps.empty()) {
      std::fill_n(out, count, w.stamp);
    } else {
      std::copy_n(w.stamps.begin() + first, count, out);
    }
  }
}

void SimDisk::apply(const DiskWrite& w, bool durable) {
  apply_to(w, meta_current_, data_current_, 0, w.sectors);
  if (durable) apply_to(w, meta_durable_, data_durable_, 0, w.sectors);
}

void SimDisk::make_durable_upto(std::uint64_t seq) {
  while (!cache_.empty() && cache_.front().completed_seq <= seq) {
    const DiskWrite& w = cache_.front();
    apply_to(w, meta_durable_, data_durable_, 0, w.sectors);
    cache_.pop_front();
  }
}

void SimDisk::crash(const CrashPolicy& policy) {
  // Cached writes first, in completion order, then in-flight ones (they were issued later or
  // are racing; a landed in-flight write overrides an older cached one at the same place).
  for (const DiskWrite& w : cache_) {
    if (policy.cached(w) == CachedFate::Kept) apply_to(w, meta_durable_, data_durable_, 0, w.sectors);
  }
  for (const DiskWrite& w : inflight_) {
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
  cache_.clear();
  inflight_.clear();
  meta_current_ = meta_durable_;
  data_current_ = data_durable_;
}

void SimDisk::write_meta_offline(std::uint64_t offset_bytes, const std::vector<std::uint8_t>& b) {
  std::memcpy(meta_current_.data() + offset_bytes, b.data(), b.size());
  std::memcpy(meta_durable_.data() + offset_bytes, b.data(), b.size());
}

void SimDisk::reset_offline() {
  cache_.clear();
  inflight_.clear();
  meta_current_ = meta_durable_;
  data_current_ = data_durable_;
}

}  // namespace llb::sim
