#pragma once
// The simulated array's state, grouped as the kernel groups it: what struct mddev holds (md),
// what raid1's r1conf holds (raid1), the sync thread's (sync), and the crash explorer's
// bookkeeping of what was promised to users. Each kernel area's file works mostly on its own part;
// llbitmap's own state is sim/llbitmap/llbitmap_state.h, which md sees only through a pointer, as
// mddev sees its bitmap. Private to sim/.

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/codec/llbitmap_geometry.h"
#include "libformat/codec/md_superblock.h"
#include "sim/core/time.h"

namespace llb::sim {

using JobId = std::uint32_t;
inline constexpr JobId kNoJobId = ~JobId{0};

// struct mddev: events, the superblocks and their updates, safe mode, the md thread's flags.
struct MdState {
  std::uint64_t events = 0;
  bool in_sync = true;
  bool can_decrease_events = false;
  std::uint64_t resync_offset = kMaxSector;
  std::uint64_t array_sectors = 0;
  std::uint32_t writes_pending = 0;
  bool sb_update_running = false;
  bool sb_update_wanted = false;
  bool sb_force_change = false;
  bool sb_clean_transition = false;
  std::vector<JobId> sb_waiters;
  // md_super_wait: metadata writes (md superblock, bitmap) in flight, and who waits for none.
  std::uint32_t meta_inflight = 0;
  std::vector<JobId> super_waiters;
  std::uint64_t safe_mode_generation = 0;
  std::vector<MdSuperblock> md_sbs;  // per member
  bool stopping = false;
  bool md_thread_scheduled = false;
  bool md_clean_pending = false;     // MD_SB_CHANGE_CLEAN from a sync checkpoint
  bool md_reap_pending = false;      // the sync thread finished: md_reap_sync_thread
  bool md_reap_resync = false;       // ... and it was a completed resync
};

// raid1's r1conf: the writes in flight, and the barrier against the sync thread.
struct Raid1State {
  std::vector<JobId> active_writes;  // user writes between bitmap start and end
  std::uint32_t active_io = 0;       // writes between start and end (the RFC's suspend drains)
  std::vector<JobId> drain_waiters;  // jobs waiting for active_io == 0
  std::vector<JobId> sync_waiters;   // writes waiting for the sync thread's chunk
  // Per chunk, 1 where two user writes overlapped while both were in flight: raid1 does not order
  // overlapping writes, so each mirror may keep either one's data, crash or not. What the
  // application left undefined is no promise of the bitmap's. Empty until the first such pair.
  std::vector<std::uint8_t> raced;
};

// The sync thread.
struct SyncState {
  JobId job = kNoJobId;
  std::uint64_t chunk = ~std::uint64_t{0};  // the chunk it is copying
};

// The durability promise made to users (MdArray::track_promises).
struct Promises {
  struct Acked {
    std::uint64_t sector = 0;
    std::uint32_t sectors = 0;
    std::uint64_t stamp = 0;
    std::uint64_t seq = 0;
  };
  bool tracking = false;
  std::vector<std::uint64_t> promised;
  std::vector<Acked> acked;  // acknowledged, not yet flushed
  std::uint64_t ack_seq = 0;
  std::uint32_t discards_in_flight = 0;
  std::vector<std::pair<std::uint64_t, std::uint32_t>>* log = nullptr;
};

}  // namespace llb::sim
