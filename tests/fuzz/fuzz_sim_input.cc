// Fuzz target: the simulator's inputs - the trace parser and the fio iolog and blkparse
// importers - never crash on any text; the first byte picks the parser. An accepted trace is
// written back and parsed again to the same JSON.

#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/workload/import.h"
#include "sim/workload/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  llb::sim::ImportOptions o;
  o.member_size_bytes = 16ull << 20;
  switch (data[0] % 3) {
    case 0: {
      auto t = llb::sim::parse_trace(text, "fuzz.json");
      if (t.ok()) {
        const std::string json = llb::sim::trace_to_json(*t);
        auto again = llb::sim::parse_trace(json, "fuzz-again.json");
        if (!again.ok() || llb::sim::trace_to_json(*again) != json) __builtin_trap();
      }
      break;
    }
    case 1: (void)llb::sim::import_fio_iolog(text, "fuzz.iolog", o); break;
    default: (void)llb::sim::import_blkparse(text, "fuzz.blktrace", o); break;
  }
  return 0;
}
