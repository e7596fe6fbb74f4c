#pragma once
// What llbitmap-resync prints: the plan, md's "check" result and the outcome, as text and as JSON
// (schema llbitmap-resync, version 1: one object per line, progress lines between).

#include <string>

#include "libformat/ops/resync.h"

namespace llb {

inline constexpr int kResyncJsonSchemaVersion = 1;

std::string resync_plan_text(const MemberSet& set, const ResyncPlan& plan);
std::string resync_plan_json(const MemberSet& set, const ResyncPlan& plan);
std::string verify_text(const MemberSet& set, const VerifyReport& r);
std::string verify_json(const VerifyReport& r);
std::string resync_result_text(const ResyncPlan& plan, double seconds);
std::string resync_result_json(const ResyncPlan& plan, double seconds);

// The plan's mode as its JSON names it: "bitmap", "full" or "full-no-bitmap".
std::string_view resync_mode_name(ResyncMode m);

}  // namespace llb
