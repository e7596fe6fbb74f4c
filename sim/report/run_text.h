#pragma once
// What llbitmap-sim prints as text: a run (its timeline, every dump and the final on-disk state of
// each member) and an exploration (its options, statistics, violations and shrunk workload).

#include <string>
#include <vector>

#include "sim/explore/session.h"
#include "sim/workload/runner.h"

namespace llb::sim {

std::string run_text(const Trace& trace, const RunOptions& opts, const RunResult& r,
                     const std::vector<TimelineEntry>& timeline, const std::string& repro);

// The line printed before the exploration starts.
std::string explore_header_text(const ExploreRequest& req);
std::string explore_session_text(const ExploreRequest& req, const ExploreSession& s);

}  // namespace llb::sim
