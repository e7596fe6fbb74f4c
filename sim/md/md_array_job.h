#pragma once
// The job record shared by the array's source files: one per operation in progress (a user
// write, a superblock update, the daemon, the sync thread, a stop...). Private to sim/.

#include <cstdint>
#include <vector>

#include "sim/md/md_array.h"

namespace llb::sim {

// Events of one life of the array carry its incarnation in their high bits: events of an earlier
// life (before a crash, a stop) are ignored.
inline constexpr std::uint64_t kIncarnationShift = 40;
inline constexpr std::uint64_t kLowMask = (std::uint64_t{1} << kIncarnationShift) - 1;

// push_back for the job-id lists the write path touches on every write (finished, free, active
// writes): the compiler keeps std::vector's push_back out of line; with room, it is one store.
[[gnu::noinline]] void push_job_slow(std::vector<JobId>& v, JobId id);
[[gnu::always_inline]] inline void push_job(std::vector<JobId>& v, JobId id) {
  if (v.size() < v.capacity()) [[likely]] {
    v.push_back(id);
  } else {
    push_job_slow(v, id);
  }
}

enum JobKind : int {
  kWrite, kRead, kDiscard, kFlush, kSbUpdate, kDaemon, kSync, kStop, kPoweroff, kCreate,
  kAssemble, kFail, kRemove, kReadd, kBackgroundIo
};

// A job's plain fields, reset in one copy when the job is reused (ordered by size, so the copy
// is a few vector moves).
struct JobFields {
  std::uint64_t generation = 0;
  // I/O range
  std::uint64_t sector = 0;
  std::uint64_t stamp = 0;
  std::uint64_t chunk_start = 0, chunk_end = 0;
  // daemon / sync
  std::uint64_t cursor = 0;
  Tick deadline = kNever;
  Tick last_end_sync = 0;
  std::uint64_t completed = 0; // sync: curr_resync_completed, in sectors
  std::uint64_t narrow_sector = 0;  // write: the block narrow_write_error retries (array sector)
  int kind = kWrite;
  int stage = 0;
  JobId parent = MdArray::kNoJob;
  std::uint32_t outstanding = 0;
  std::uint32_t sectors = 0;
  std::uint32_t page_start = 0, page_end = 0;
  std::uint32_t member = 0;    // member ops
  std::uint32_t source = 0;    // sync: the member copied from
  std::uint32_t narrow_index = 0, narrow_sectors = 0, narrow_mark = 0, narrow_failed = 0;
  std::uint32_t mirror_targets = 0, mirror_failures = 0;
  std::uint32_t offered = ~0u;  // assemble: the members given  // write: mirrors written, mirrors failed
  bool internal = true;        // released automatically when finished
  bool waiting = false;        // parked: only a Wakeup resumes it
  bool fua = false;
  bool has_chunks = false;
  bool counted = false;        // counted in writes_pending / active_io
  bool bitmap_started = false;
  bool restart = false;
  bool recovery = false;
  bool full_sync = false;
  bool abort = false;
  bool assume_clean = false;
  bool busy_retry = false;
  bool super_wait = false;     // upstream unplug issued bitmap writes: md_super_wait for all
  bool unplugging = false;     // counted in the llbitmap's unplugs in progress
  bool unplug_wait = false;    // found nothing dirty: waits for the unplugs in progress (patched)
  bool narrow_recorded = false;  // narrow_write_error recorded bad blocks: wait for the superblock
};

struct MdArray::Job : JobFields {
  JobResult result;
  std::vector<std::uint32_t> failed_members;
  std::vector<std::uint32_t> narrow_members;  // failed mirrors that can record bad blocks

  // Ready for reuse, keeping the vectors' and the error string's capacity.
  void reset(int k) {
    const std::uint64_t g = generation + 1;
    static const JobFields kFresh;
    static_cast<JobFields&>(*this) = kFresh;
    kind = k;
    generation = g;
    result.done = false;
    result.ok = true;
    result.error.clear();
    result.read_stamps.clear();
    failed_members.clear();
    narrow_members.clear();
  }
};

}  // namespace llb::sim
