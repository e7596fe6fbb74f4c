// The array's side of md-llbitmap.c: loading the bitmap (llbitmap_create, llbitmap_load, first
// use), the bitmap hooks around each write (start and end, with Linux 7.2's page barriers), the
// bitmap writes to every member, and what a state-machine pass asks of md.

#include "libformat/codec/endian.h"
#include "libformat/codec/llbitmap_validate.h"
#include "sim/core/disk_device.h"
#include "sim/llbitmap/llbitmap_state.h"
#include "sim/md/md_array.h"
#include "sim/md/md_array_job.h"

namespace llb::sim {

void LlbitmapStateDeleter::operator()(LlbitmapState* s) const { delete s; }
MetaBytes MdArray::live_bitmap_bytes(const DiskWrite& w) const {
  const std::vector<std::uint8_t>& area = bm_->model->area();
  const std::uint64_t base = bm_->geometry.bitmap_offset_bytes;
  const std::uint64_t n = std::uint64_t{w.sectors} * 512;
  if (w.sector * 512 < base || w.sector * 512 - base > area.size() ||
      area.size() - (w.sector * 512 - base) < n) {
    return w.bytes;  // not the bitmap area this life knows
  }
  const std::uint64_t off = w.sector * 512 - base;
  return MetaBytes(area.begin() + static_cast<std::ptrdiff_t>(off),
                   area.begin() + static_cast<std::ptrdiff_t>(off + n));
}

void MdArray::refetch_live_bitmap_writes() {
  if (!bm_->model) return;
  auto fetch = [this](const DiskWrite& w) { return live_bitmap_bytes(w); };
  for (Rdev& r : rdevs_) r.disk->refetch_inflight_meta(kBitmapWriteTag, fetch);
}

void MdArray::refetch_live_bitmap_write(std::uint32_t member, std::uint64_t id) {
  if (!bm_->model) return;
  rdevs_[member].disk->refetch_inflight_meta(
      id, kBitmapWriteTag, [this](const DiskWrite& w) { return live_bitmap_bytes(w); });
}

void MdArray::bitmap_new_incarnation() {
  bm_->unplugging = 0;
  bm_->unplug_waiters.clear();
}

std::unique_ptr<LlbitmapState, LlbitmapStateDeleter> new_llbitmap_state() {
  return std::unique_ptr<LlbitmapState, LlbitmapStateDeleter>(new LlbitmapState);
}
const LlbitmapModel* MdArray::bitmap() const { return bm_->model.get(); }
const Geometry& MdArray::geometry() const { return bm_->geometry; }

// Loads the bitmap the kernel would load from `member`: FIRST_USE initialises it, otherwise the
// kernel's checks decide between refusing it, the Stale action and Reload.
MdArray::BitmapLoad MdArray::load_bitmap_from(std::uint32_t member, std::string* why) {
  bm_->model.reset();
  bm_->shutdown = false;
  bm_->daemon_timer_at = kNever;
  SimDiskDevice dev(*rdevs_[member].disk, DiskView::Current, false);
  const MdSuperblock& md = md_.md_sbs[member];
  if (!(md.feature_map & kFeatureBitmapOffset)) {
    log("no bitmap");
    return BitmapLoad::None;
  }
  const std::uint64_t md_offset = md.super_offset * 512;
  const std::uint64_t bm_offset = md_offset + static_cast<std::uint64_t>(
                                                  std::int64_t{md.bitmap_offset} * 512);
  auto raw = read_bytes(dev, bm_offset, kBitmapSbBytes);
  if (!raw.ok()) {
    *why = raw.status().message();
    return BitmapLoad::Refused;
  }
  auto bsb = decode_bitmap_superblock(*raw, {dev.name(), bm_offset, "bitmap superblock"});
  if (!bsb.ok()) {
    *why = bsb.status().message();
    log("bitmap refused: " + *why);
    return BitmapLoad::Refused;
  }
  const KernelVersion format = policy_->format->version;
  BitmapVerdict v = validate_llbitmap(*bsb, md, 2, format, dev.name(), bm_offset);
  if (!v.loadable) {
    for (const auto& f : v.findings) {
      if (bitmap_check_refuses(f.check) && why->empty()) *why = f.message;
    }
    log("bitmap refused: " + *why);
    return BitmapLoad::Refused;
  }
  bm_->sb = *bsb;
  if (bm_->sb.sectors_reserved == 0) bm_->sb.sectors_reserved = kDefaultSectorsReserved;
  // llbitmap_read_sb: a loaded bitmap runs with the daemon_sleep its superblock holds; what sysfs
  // set before a crash lives on only if a superblock update wrote it (the differential run: the
  // kernel came back with 30 where the model had kept the value set before the crash).
  if (!v.first_use && bsb->daemon_sleep >= 1) config_.daemon_sleep_s = bsb->daemon_sleep;
  Geometry g = v.first_use
                   ? first_use_geometry(md, md_offset, bsb->sectors_reserved, format)
                   : *geometry_from_superblocks(md, md_offset, *bsb, format, dev.name());
  auto area = read_bytes(dev, bm_offset, static_cast<std::size_t>(g.state_area_end_bytes()));
  if (!area.ok()) {
    *why = area.status().message();
    return BitmapLoad::Refused;
  }
  bm_->geometry = g;
  const std::uint32_t io_size = policy_->format->write_unit == StateWriteUnit::LogicalBlock
                                    ? config_.disk.logical_block_size
                                    : kBitmapPageBytes;
  bm_->model = std::make_unique<LlbitmapModel>(*policy_, g, io_size, std::move(area).value());
  bm_->page_waiters.assign(bm_->model->pages(), {});
  bm_->flags = bsb->state;
  if (policy_->load_clears_runtime_flags) bm_->flags &= ~(1u << kBitmapShutdown);
  if (v.first_use) {
    bm_->flags &= ~(1u << policy_->format->first_use_bit);
    const bool clean =
        policy_->format->honours_clean_flag && (bm_->flags & (1u << kBitmapClean));
    bm_->flags &= ~(1u << kBitmapClean);
    bm_->model->init_states(clean, now_);
    log(str_cat("bitmap first use: ", g.chunks, " chunks of ", g.chunksize_sectors,
                " sectors initialised ", clean ? "Clean" : "Unwritten"));
    return BitmapLoad::FirstUse;
  }
  const bool stale = v.stale;
  if (policy_->load_clears_runtime_flags) bm_->flags &= ~(1u << kBitmapStale);
  PassResult r = bm_->model->apply(0, g.chunks - 1, stale ? Action::Stale : Action::Reload,
                                degraded(), now_);
  log(str_cat("bitmap loaded from ", dev.name(), ": ", stale ? "Stale" : "Reload", " over ",
              g.chunks, " chunks", r.invalid ? str_cat(", ", r.invalid, " invalid bytes") : ""));
  return BitmapLoad::Loaded;
}

void MdArray::write_bitmap_pieces(const std::vector<BitmapWrite>& pieces, bool preflush,
                                  JobId owner, const char* why) {
  if (pieces.empty()) return;
  const std::uint64_t base = bm_->geometry.bitmap_offset_bytes;
  for (const auto& p : pieces) {
    for (std::uint32_t m = 0; m < rdevs_.size(); ++m) {
      if (!member_writable(m)) continue;
      Rdev& r = rdevs_[m];
      ++md_.meta_inflight;
      ++bitmap_writes_;
      const std::uint64_t rid =
          r.disk->submit_meta((base + p.offset) / 512, p.bytes, true, preflush, owner, kBitmapWriteTag);
      expect_completion(*jobs_[owner], m, r.disk->write_latency(prng_), rid);
      if (!r.bblog_clobbered && (md_.md_sbs[m].feature_map & kFeatureBadBlocks)) {
        // The superblock declares a log with entries: state bytes written over it are what
        // super_1_load will parse as bad blocks at the next assembly.
        const auto [lf, le] = bad_block_log_bytes(m);
        const std::uint64_t f = base + p.offset, e = f + p.bytes.size();
        if (f < le && lf < e) {
          r.bblog_clobbered = true;
          note_collision(m, MetaCollision::Kind::StatesOverLog, std::max(f, lf), std::min(e, le),
                         str_cat("the llbitmap wrote state bytes over the bad-block log (bytes ",
                                 std::max(f, lf), "-", std::min(e, le) - 1,
                                 "): the next assembly parses them as bad blocks"));
        }
      }
    }
  }
  if (timeline_enabled_) {
    const bool blocks = policy_->block_writes;
    std::string which;
    for (const auto& p : pieces) {
      if (!which.empty()) which += ",";
      which += std::to_string(blocks ? p.offset / bm_->model->io_size() : p.page);
    }
    log(str_cat("bitmap write (", why, "): ", blocks ? "blocks " : "pages ", which,
                preflush ? " [PREFLUSH|FUA]" : " [FUA, no PREFLUSH]"));
  }
}

std::pair<std::uint64_t, std::uint64_t> MdArray::page_chunk_range(std::uint32_t page) const {
  const std::uint64_t per = kBitmapPageBytes;
  const std::uint64_t off = bm_->geometry.data_offset_bytes;
  const std::uint64_t first_pos = std::max<std::uint64_t>(std::uint64_t{page} * per, off);
  const std::uint64_t last_pos = std::uint64_t{page + 1} * per - 1;
  const std::uint64_t first = first_pos - off;
  const std::uint64_t last = std::min<std::uint64_t>(last_pos - off, bm_->geometry.chunks - 1);
  return {first, last};
}

void MdArray::bitmap_pass_effects(const PassResult& r) {
  if (r.arm_daemon_timer && !bm_->shutdown && bm_->daemon_timer_at == kNever) {
    arm_daemon_timer(Tick{config_.daemon_sleep_s} * kTicksPerSecond);
  }
  if (r.rfc_timer_now && !bm_->shutdown) {
    // timer_reduce to jiffy 1: the timer fires at the next jiffy unless it already would.
    const Tick next_jiffy = (now_ / kTicksPerJiffy + 1) * kTicksPerJiffy;
    if (bm_->daemon_timer_at > next_jiffy) arm_daemon_timer(next_jiffy - now_);
  }
  if (r.need_resync && sync_.job == kNoJob && status_ == ArrayStatus::Running && !md_.stopping &&
      !degraded()) {
    start_sync_job(false, false);
  }
}

bool MdArray::bitmap_start_io(JobId id) {
  Job& j = job(id);
  const Geometry& g = bm_->geometry;
  if (j.kind == kDiscard) {
    // llbitmap_start_discard: from the first chunk the discard starts at or after, to the last
    // chunk it touches, even partly.
    j.chunk_start = (j.sector + g.chunksize_sectors - 1) >> g.chunkshift;
    j.chunk_end = (j.sector + j.sectors - 1) >> g.chunkshift;
  } else {
    j.chunk_start = j.sector >> g.chunkshift;
    j.chunk_end = (j.sector + j.sectors - 1) >> g.chunkshift;
  }
  j.has_chunks = j.chunk_start <= j.chunk_end;
  if (!j.has_chunks) return true;
  if (policy_->page_barriers) {
    j.page_start = bm_->model->page_of_chunk(j.chunk_start);
    j.page_end = bm_->model->page_of_chunk(j.chunk_end);
    for (std::uint32_t p = j.page_start; p <= j.page_end; ++p) {
      if (bm_->model->page(p).suspended) {
        park(id, bm_->page_waiters[p]);  // wait_event until the daemon resumes the page
        return false;
      }
    }
    for (std::uint32_t p = j.page_start; p <= j.page_end; ++p) {
      PageCtl& pc = bm_->model->page(p);
      ++pc.active;
      pc.expire = now_ + Tick{config_.barrier_idle_s} * kTicksPerSecond;
    }
  }
  const Action a = j.kind == kDiscard ? Action::Discard : Action::Startwrite;
  // The chunks whose states change, up to (not including) state_end. The patch stops a discard
  // before the chunk it ends inside, and it may then cover none; the barriers above keep the
  // stock range either way.
  std::uint64_t state_end = j.chunk_end + 1;
  if (j.kind == kDiscard && policy_->discard_whole_chunks_only) {
    state_end = (j.sector + j.sectors) >> g.chunkshift;
  }
  if (state_end > j.chunk_start) {
    PassResult r = bm_->model->apply(j.chunk_start, state_end - 1, a, degraded(), now_);
    bitmap_pass_effects(r);
  }
  j.bitmap_started = true;
  return true;
}

void MdArray::bitmap_end_io(JobId id) {
  Job& j = job(id);
  if (!j.bitmap_started || !j.has_chunks) return;
  if (policy_->page_barriers && bm_->model) {
    for (std::uint32_t p = j.page_start; p <= j.page_end; ++p) {
      PageCtl& pc = bm_->model->page(p);
      if (pc.active > 0 && --pc.active == 0 && pc.suspended) wake_all(bm_->page_waiters[p]);
    }
  }
  j.bitmap_started = false;
}

void MdArray::bitmap_update_sb(JobId owner) {
  // These fields go into the in-memory superblock page, which is then written.
  if (md_.events < bm_->sb.events_cleared) bm_->sb.events_cleared = md_.events;
  bm_->model->edit_superblock([&](std::span<std::uint8_t> sb) {
    put_le64(sb, bmsb::kEvents, md_.events);
    put_le32(sb, bmsb::kState, bm_->flags & ~(1u << kBitmapShutdown));
    put_le32(sb, bmsb::kChunksize, bm_->geometry.chunksize_sectors);
    put_le64(sb, bmsb::kSyncSize, md_.array_sectors);
    put_le64(sb, bmsb::kEventsCleared, bm_->sb.events_cleared);
    put_le32(sb, bmsb::kSectorsReserved, bm_->sb.sectors_reserved);
    put_le32(sb, bmsb::kDaemonSleep, config_.daemon_sleep_s);
  });
  if (policy_->block_writes) {
    write_bitmap_pieces(bm_->model->superblock_blocks(), true, owner, "update_sb");
  } else {
    write_bitmap_pieces({bm_->model->take_superblock_page()}, false, owner, "update_sb");
  }
}

}  // namespace llb::sim
