#pragma once
// The job record shared by the array's source files: one per operation in progress (a user
// write, a superblock update, the daemon, the sync thread, a stop...). Private to sim/.

#include <cstdint>
#include <vector>

#include "sim/md_array.h"

namespace llb::sim {

enum JobKind : int {
  kWrite, kRead, kDiscard, kFlush, kSbUpdate, kDaemon, kSync, kStop, kPoweroff, kCreate,
  kAssemble, kFail, kRemove, kReadd, kBackgroundIo
};

struct MdArray::Job {
  int kind = kWrite;
  int stage = 0;
  std::uint64_t generation = 0;
  bool internal = true;        // released automatically when finished
  bool waiting = false;        // parked: only a Wakeup resumes it
  JobResult result;
  JobId parent = kNoJob;
  std::uint32_t outstanding = 0;
  std::vector<std::uint32_t> failed_members;
  // I/O range
  std::uint64_t sector = 0;
  std::uint32_t sectors = 0;
  std::uint64_t stamp = 0;
  bool fua = false;
  std::uint64_t chunk_start = 0, chunk_end = 0;
  bool has_chunks = false;
  std::uint32_t page_start = 0, page_end = 0;
  bool counted = false;        // counted in writes_pending / active_io
  bool bitmap_started = false;
  // member ops
  std::uint32_t member = 0;
  // daemon / sync
  std::uint64_t cursor = 0;
  bool restart = false;
  Tick deadline = kNever;
  bool recovery = false;
  bool full_sync = false;
  bool abort = false;
  Tick last_end_sync = 0;
  bool assume_clean = false;
  bool busy_retry = false;
  bool super_wait = false;     // upstream unplug issued bitmap writes: md_super_wait for all
  std::uint32_t source = 0;    // sync: the member copied from
  std::uint64_t completed = 0; // sync: curr_resync_completed, in sectors

  // Ready for reuse, keeping the vectors' capacity.
  void reset(int k) {
    std::vector<std::uint32_t> fm = std::move(failed_members);
    std::vector<std::uint64_t> rs = std::move(result.read_stamps);
    const std::uint64_t g = generation + 1;
    *this = Job();
    kind = k;
    generation = g;
    fm.clear();
    rs.clear();
    failed_members = std::move(fm);
    result.read_stamps = std::move(rs);
  }
};

}  // namespace llb::sim
