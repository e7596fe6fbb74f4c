#pragma once
// One exploration as the command line asks for it: explore, and on a violation shrink the
// workload and explore the shrunk one, export the crash state's members, and say how to
// reproduce it. What llbitmap-sim explore and the Python module run; sim/report renders it.

#include <optional>
#include <string>
#include <vector>

#include "sim/explore/explore.h"
#include "sim/md/md_array.h"

namespace llb::sim {

struct ExploreRequest {
  Trace trace;
  ExploreOptions options;
  std::string what;              // how the workload was named: a path, "--seed N ...", "--import F"
  bool shrink = false;
  std::string export_dir;        // members of the first violation's crash state go here
  std::string save_trace_path;   // the (shrunk) trace explored is saved here
};

struct ExploreSession {
  ExploreResult result;                   // of the workload as given
  std::optional<Trace> shrunk;            // with shrink, when a violation was found
  ExploreResult shrunk_result;            // of the shrunk workload, stopping at the first
  std::vector<TimelineEntry> shrunk_timeline;  // the shrunk run up to its crash point
  std::string exported;                   // the directory written, or "failed: ..."
  std::string reproduce;                  // the command that finds it again

  bool violated() const { return !result.violations.empty(); }
  // The violations to show: the shrunk workload's when there is one.
  const ExploreResult& shown() const { return shrunk ? shrunk_result : result; }
};

ExploreSession run_exploration(const ExploreRequest& request);

}  // namespace llb::sim
