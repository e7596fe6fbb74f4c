#pragma once
// Progress of a long copy (resync, verify), as the operation reports it after every I/O unit;
// report/progress_report.h renders it as md's /proc/mdstat line or as JSON.

#include <cstdint>
#include <string>

namespace llb {

struct Progress {
  std::string action = "resync";  // "resync", "check" (verify), "recovery"
  std::uint64_t done_bytes = 0;
  std::uint64_t total_bytes = 0;
  double elapsed_seconds = 0;
};


}  // namespace llb
