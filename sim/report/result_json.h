#pragma once
// The JSON form of a simulator run and of a crash exploration: what `llbitmap-sim run --json`
// and `llbitmap-sim explore --json` print, and what the Python module returns (schemas in
// docs/sim.md and docs/explore.md).

#include <string>
#include <vector>

#include "libformat/report/json.h"
#include "sim/explore/explore.h"
#include "sim/workload/runner.h"

namespace llb::sim {

// One on-disk moment: each member's md and bitmap fields and its runs of states.
Json snapshot_json(const Snapshot& s, KernelVersion v);

// A whole run (schema llbitmap-sim-run, version 1). `repro` is the command that replays it.
Json run_json(const Trace& trace, const RunOptions& opts, const RunResult& r,
              const std::vector<TimelineEntry>& timeline, const std::string& repro);

Json explore_stats_json(const ExploreStats& s);
Json violation_json(const Violation& v);

// An exploration (schema llbitmap-sim-explore, version 1), without the CLI's extras (shrunk
// trace, export, reproduce command).
Json explore_json(const ExploreOptions& o, const ExploreResult& r);

}  // namespace llb::sim
