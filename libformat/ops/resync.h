#pragma once
// Offline, bitmap-driven RAID1 resync: what md's resync thread does at assembly, done on member
// devices or image files while no kernel holds them.
//
// Crash safety. Chunks are handled in windows. For each window: the chunks' state bytes become
// Syncing on every member and are flushed; the data is copied from the source to every other
// member and flushed; only then do the state bytes become Clean, flushed again. A kill at any
// moment leaves each chunk Dirty/NeedSync (untouched), Syncing (the kernel's Reload and our
// re-run both turn it into NeedSync and copy it again) or Clean after its copies are durable.
// The md superblocks are marked clean (resync_offset = MaxSector) last, when nothing is left.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "libformat/ops/member_set.h"
#include "libformat/ops/progress.h"

namespace llb {

struct ResyncOptions {
  std::string source;                    // member path; empty: the freshest by events and role
  bool full = false;                     // copy every chunk, whatever the bitmap says
  std::uint64_t max_rate_kib = 0;        // K/sec, as md's speed_limit_max; 0: unlimited
  std::uint32_t io_bytes = 1u << 20;     // one read or write
  std::uint64_t window_bytes = 256ull << 20;  // data covered by one Syncing -> Clean window
  std::function<void(const Progress&)> on_progress;  // after every I/O unit
};

enum class ResyncMode { Bitmap, FullWithBitmap, FullNoBitmap };

struct ResyncPlan {
  ResyncMode mode = ResyncMode::Bitmap;
  std::size_t source = 0;                 // index into the MemberSet
  std::vector<std::size_t> targets;       // the other members, copied to
  KernelVersion version = KernelVersion::Upstream;
  std::uint64_t resync_sectors = 0;       // sectors each mirror holds (the bitmap's coverage)
  std::uint32_t unit_sectors = 0;         // chunk size (or 64 KiB without a bitmap)
  std::vector<std::uint64_t> chunks;      // chunks to copy, ascending
  std::vector<bool> mark;                 // per entry of chunks: goes through Syncing -> Clean
  std::vector<std::uint8_t> final_state;  // per entry of chunks: Clean or CleanUnwritten
  std::uint64_t bytes = 0;                // bytes copied to each target
  std::uint64_t full_bytes = 0;           // what a full resync copies
  bool fix_bitmap_events = false;         // stale bitmap: events catch up at the end
  bool mark_md_clean = false;             // some md superblock is not clean yet
  std::vector<std::string> notes;
  std::uint64_t chunk_count_total = 0;
};

// Decides what to copy. Fails (Code::Unsupported / InvalidArgument / Stale) with an explanation
// when an offline resync would be unsafe: not RAID1, degraded, a lagging or missing member, a
// bitmap the kernel would refuse (unless full), members whose bitmaps cannot be written.
Result<ResyncPlan> plan_resync(const MemberSet& set, const ResyncOptions& options);

// Runs the plan. Every member must be open for writing.
Status run_resync(MemberSet& set, const ResyncPlan& plan, const ResyncOptions& options);

struct VerifyReport {
  std::uint64_t units_compared = 0;
  std::uint64_t bytes_compared = 0;       // per pair of mirrors
  std::uint64_t mismatched_units = 0;     // chunks (or 64 KiB units) that differ somewhere
  std::uint64_t mismatch_sectors = 0;     // 512-byte sectors that differ, summed over pairs
  std::vector<StateRun> runs;             // mismatched units (value unused)
  std::uint32_t unit_sectors = 0;
};

// md's "check": compares every mirror with the source, chunk by chunk, and writes nothing.
Result<VerifyReport> verify_mirrors(MemberSet& set, const ResyncOptions& options);

}  // namespace llb
