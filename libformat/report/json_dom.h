#pragma once
// The reports as JSON documents, for front ends that take them apart further (the Python module,
// the simulator's own reports). Header-only: a target that includes it links nlohmann/json itself,
// and no other layer of libformat sees it.

#include "libformat/report/json.h"
#include "libformat/report/report_json.h"

namespace llb {

inline Json examination_to_json(const Examination& ex, const TextOptions& opts) {
  return Json::parse(examination_json(ex, opts));
}

inline Json runs_to_json(const std::vector<StateRun>& runs, KernelVersion v) {
  return Json::parse(runs_json(runs, v));
}

}  // namespace llb
