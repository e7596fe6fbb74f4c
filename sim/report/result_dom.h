#pragma once
// The simulator's JSON documents as DOMs, for front ends that take them apart (the Python module
// converts them to Python objects without printing text). A target that includes this links
// nlohmann/json itself; the text forms are in result_json.h.

#include <string>
#include <vector>

#include "libformat/report/json.h"
#include "sim/explore/session.h"
#include "sim/workload/runner.h"

namespace llb::sim {

Json run_document(const Trace& trace, const RunOptions& opts, const RunResult& r,
                  const std::vector<TimelineEntry>& timeline, const std::string& repro);
Json explore_document(const ExploreOptions& o, const ExploreResult& r);

}  // namespace llb::sim
