#pragma once
// Progress of a long copy, in md's own units: /proc/mdstat counts 1 KiB blocks and prints
//   [=====>...............]  resync = 28.3% (36864/130048) finish=0.5min speed=65536K/sec
// and the same numbers as one JSON object per line for programs.

#include <string>

#include "libformat/ops/progress.h"

namespace llb {

std::string progress_mdstat_line(const Progress& p);
std::string progress_json_line(const Progress& p);  // {"action":...,"done_kib":...}, no newline

}  // namespace llb
