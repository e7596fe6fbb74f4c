#pragma once
// The examine job: read each named device, then analyse the arrays they belong to. Front ends
// (the CLI, the Python module) render the result as text, JSON or KEY=VALUE lines.

#include <memory>
#include <string>
#include <vector>

#include "libformat/ops/array_view.h"
#include "libformat/io/block_device.h"
#include "libformat/ops/member.h"

namespace llb {

// Exit status bits of llbitmap-examine, OR-ed over all devices (documented in docs/examine.md).
enum ExamineExit : int {
  kExamineClean = 0,       // everything readable, nothing to resync, no warnings
  kExamineAttention = 1,   // a resync is needed, or warnings (stale, lagging, first use, ...)
  kExamineUnusable = 2,    // no md superblock, or metadata the kernel would refuse
  kExamineUnreadable = 4,  // a device could not be opened or read
  kExamineUsage = 8,       // bad command line
};

struct DeviceExamination {
  std::string path;
  Status error;                      // set when nothing could be read from the device
  std::optional<std::size_t> member; // index into Examination::members
  int exit_bits = 0;
};

// Move-only: the array views point into `members`.
struct Examination {
  Examination() = default;
  Examination(Examination&&) = default;
  Examination& operator=(Examination&&) = default;
  Examination(const Examination&) = delete;
  Examination& operator=(const Examination&) = delete;

  std::vector<DeviceExamination> devices;
  std::vector<Member> members;
  std::vector<ArrayView> arrays;  // built after every member is loaded
  int exit_status = 0;
};

Examination examine_paths(const std::vector<std::string>& paths, LayoutChoice layout);
// Same, on devices already open (tests, the simulator's exported images in memory).
Examination examine_devices(const std::vector<BlockDevice*>& devices, LayoutChoice layout);

}  // namespace llb
