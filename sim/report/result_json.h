#pragma once
// The JSON of a simulator run and of a crash exploration: what `llbitmap-sim run --json` and
// `llbitmap-sim explore --json` print, and what the Python module returns (schemas in docs/sim.md
// and docs/explore.md). Text, one line (indent < 0) or indented.

#include <string>
#include <vector>

#include "sim/explore/session.h"
#include "sim/workload/runner.h"

namespace llb::sim {

// A whole run (schema llbitmap-sim-run, version 1). `repro` is the command that replays it.
std::string run_json(const Trace& trace, const RunOptions& opts, const RunResult& r,
                     const std::vector<TimelineEntry>& timeline, const std::string& repro,
                     int indent = -1);

// An exploration (schema llbitmap-sim-explore, version 1).
std::string explore_result_json(const ExploreOptions& o, const ExploreResult& r, int indent = -1);
// The same with what the command line adds: the shrunk workload, the export, the reproduction.
std::string explore_session_json(const ExploreRequest& req, const ExploreSession& s,
                                 int indent = -1);

}  // namespace llb::sim
