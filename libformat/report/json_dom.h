#pragma once
// The reports as JSON documents, for front ends that take them apart further (the Python module,
// the simulator's own reports). Header-only: a target that includes it links nlohmann/json itself,
// and no other layer of libformat sees it.

#include "libformat/report/json.h"
#include "libformat/report/report_json.h"

namespace llb {

// The document a JsonWriter in document mode built (json_writer.cc).
Json take_document(JsonWriter& w);

// The examine report as a document, built value by value: no JSON text written or parsed.
inline Json examination_to_json(const Examination& ex, const TextOptions& opts) {
  JsonWriter w{JsonWriter::Document{}};
  write_examination(w, ex, opts);
  return take_document(w);
}

inline Json runs_to_json(const std::vector<StateRun>& runs, KernelVersion v) {
  JsonWriter w{JsonWriter::Document{}};
  write_runs(w, runs, v);
  return take_document(w);
}

}  // namespace llb
