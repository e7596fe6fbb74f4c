#pragma once
// The crash explorer: runs a workload through the simulator and, at every crash point (every
// moment the set of writes not yet durable changes), enumerates the states the members could be
// left in by a power loss: each member's cached writes kept or lost, each in-flight write landed,
// lost or torn (after its first logical block, half of them, or all but the last), each member on
// its own. For every state it
// assembles as the kernel would (events decide the fresh members, the first fresh one by role
// gives the bitmap; Reload or Stale; FIRST_USE; a refused bitmap superblock) and checks:
//   safety   every chunk whose data differs between fresh mirrors is one assembly resyncs
//            (its loaded state is none of Unwritten, Clean, CleanUnwritten);
//   resync   after that resync (flagged chunks copied from the bitmap's member) the mirrors are
//            identical - which, with the copy done chunk by chunk, fails exactly where safety does,
//            and is reported as its own count;
//   durability every write acknowledged and then flushed (or written FUA) is on the durable media
//            of at least one in-sync member, so the array holds it, a later write, or one in flight;
// and measures efficiency: flagged chunks whose mirrors did not differ, and their bytes.
// The checker reads the on-disk bytes itself and applies the kernel's load rules written out
// here, not the model's transition tables.

#include <cstdint>
#include <string>
#include <vector>

#include "sim/workload/runner.h"
#include "sim/workload/trace.h"

namespace llb::sim {

struct ExploreOptions {
  KernelModel kernel = KernelModel::Upstream;
  std::uint64_t seed = 1;
  bool exhaustive = true;              // false: seeded random sampling of each crash point
  std::uint64_t max_combinations = 4096;  // exhaustive at a crash point with at most this many
  std::uint32_t samples = 64;          // states sampled per crash point beyond the bound / in random mode
  bool torn = true;                    // in-flight multi-block writes may tear
  bool cache_loss = true;              // completed but unflushed writes may be lost (else kept)
  std::uint64_t max_states = 0;        // stop after this many states (0: no limit)
  std::uint64_t time_budget_ms = 0;    // stop after this much wall time (0: no limit)
  bool stop_at_first = false;          // stop at the first violation
  bool live_pages = false;             // bitmap writes carry the page as the device fetches it
  bool planted_fault = false;          // the model variant that issues data before its bitmap block
  bool planted_flush_fault = false;    // the disk variant whose flushes do not flush
};

// What the explorer, its violation export and its timelines replay: the trace with the explorer's
// switches on its array (planted faults, live pages), and the run's seed, kernel and timeline.
struct ExploreRun {
  Trace trace;
  RunOptions options;
};
inline ExploreRun explore_run(const Trace& t, const ExploreOptions& o, bool timeline) {
  ExploreRun r{t, {}};
  r.trace.array.fault_data_before_bitmap = o.planted_fault;
  r.trace.array.disk.fault_flush_noop = o.planted_flush_fault;
  r.trace.array.live_pages = o.live_pages;
  r.options.seed = o.seed;
  r.options.kernel = o.kernel;
  r.options.timeline = timeline;
  return r;
}

struct WriteFate {
  std::uint32_t member = 0;
  std::uint64_t write_id = 0;
  std::string tag;           // "data", "bitmap", "md superblock", ...
  std::uint64_t sector = 0;  // absolute on the member
  std::uint32_t sectors = 0;
  bool inflight = false;     // else completed into the volatile cache
  std::string fate;          // "lost", "landed", "kept", "torn T/N" (the first T of N sectors)
};

struct Violation {
  std::string invariant;         // "safety", "durability", or a bad-block log collision:
                                 // "state-bytes-destroyed", "bblog-overwritten", "member-refused"
  std::uint64_t event_index = 0; // crash point: events processed before the power loss
  Tick at = 0;
  std::uint64_t chunk = 0;
  std::uint32_t source = 0;      // member whose bitmap assembly loads
  std::vector<std::uint8_t> on_disk_states;  // the chunk's state byte on each member, after the crash
  std::uint8_t model_state = 0xff;           // the model's in-memory state of the chunk at the crash
  std::vector<WriteFate> fates;  // what happened to each non-durable write
  std::string detail;
};

struct ExploreStats {
  std::uint64_t crash_points = 0;
  std::uint64_t states = 0;          // generated
  std::uint64_t distinct = 0;
  std::uint64_t max_depth = 0;       // events before the deepest crash point
  std::uint64_t max_pending = 0;     // most non-durable writes at one crash point
  std::uint64_t sampled_points = 0;  // crash points beyond the exhaustive bound
  std::uint64_t safety_violations = 0;
  std::uint64_t resync_violations = 0;
  std::uint64_t durability_violations = 0;  // an acknowledged and flushed write not durable
  std::uint64_t refused_states = 0;  // the kernel would refuse the bitmap (assembly fails)
  // Where md's bad-block log and the llbitmap's state bytes met (one per occurrence in the run,
  // not per crash state): md's log written over state bytes, state bytes written over a log the
  // superblock declares, and a member refused at assembly for what its log holds.
  std::uint64_t state_bytes_destroyed = 0;
  std::uint64_t bblog_overwritten = 0;
  std::uint64_t members_refused = 0;
  std::uint64_t unnecessary_chunks = 0;  // summed over states
  std::uint64_t unnecessary_bytes = 0;
  double seconds = 0;
  bool budget_exhausted = false;
};

struct ExploreResult {
  ExploreStats stats;
  std::vector<Violation> violations;  // the first of each invariant (and more up to a few)
  std::string run_error;              // the workload itself failed to run
};

ExploreResult explore(const Trace& trace, const ExploreOptions& options);

// Reduces a trace with a safety violation to a smaller one that still has one: fewer operations
// (one at a time, to a fixpoint), then fewer members and smaller members. Returns the input when
// it has no violation.
Trace shrink(const Trace& trace, const ExploreOptions& options);

// Exports the member images of a violation's crash state into dir (vda.img, ...).
Status export_violation(const Trace& trace, const ExploreOptions& options,
                        const Violation& v, const std::string& dir);

std::string format_stats(const ExploreStats& s);
std::string format_violation(const Violation& v, KernelModel kernel);

}  // namespace llb::sim
