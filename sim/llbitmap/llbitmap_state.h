#pragma once
// What struct llbitmap holds beyond its pages, as the simulated array keeps it: md sees it only
// through a pointer (mddev->bitmap); the llbitmap files, raid1, sync and the lifecycle work on it.
// Private to sim/.

#include <cstdint>
#include <memory>
#include <vector>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/codec/llbitmap_geometry.h"
#include "sim/core/time.h"
#include "sim/llbitmap/llbitmap_model.h"
#include "sim/md/array_state.h"

namespace llb::sim {

// struct llbitmap beyond its pages: the superblock fields and flags, the daemon and its timer,
// the page barriers' waiters, the RFC's mddev_suspend and page-cache flusher.
struct LlbitmapState {
  std::unique_ptr<LlbitmapModel> model;
  Geometry geometry;
  BitmapSuperblock sb;               // the array's bitmap superblock fields
  std::uint32_t flags = 0;           // llbitmap->flags
  bool shutdown = false;
  Tick daemon_timer_at = kNever;
  std::uint64_t daemon_timer_generation = 0;
  JobId daemon_job = kNoJobId;
  std::vector<std::vector<JobId>> page_waiters;
  std::uint64_t writeback_generation = 0;
  bool suspended = false;            // the RFC's mddev_suspend by the daemon
  std::vector<JobId> suspend_waiters;  // writers blocked by a suspension
  std::vector<BitmapWrite> unplug_pieces;  // the unplug's bitmap writes (storage reused)
  // Unplugs that wrote state blocks and wait for them (the patched kernel's llbitmap->unplugging),
  // and the writers that found nothing dirty and wait for none to be left.
  std::uint32_t unplugging = 0;
  std::vector<JobId> unplug_waiters;
};

}  // namespace llb::sim
