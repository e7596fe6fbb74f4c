#pragma once
// What llbitmap-repair prints: every problem with what the repair does about it, and the notes.

#include <string>

#include "libformat/ops/repair.h"

namespace llb {

std::string repair_plan_text(const RepairPlan& plan);

}  // namespace llb
