#include "libformat/report/repair_report.h"

#include <sstream>

namespace llb {

std::string repair_plan_text(const RepairPlan& plan) {
  std::ostringstream o;
  for (const Problem& p : plan.problems) {
    o << severity_name(p.severity) << " " << p.code << ": " << p.message << "\n";
    o << "    " << (p.fix.empty() ? "NOT FIXED" : "fix: " + p.fix) << "\n";
  }
  for (const std::string& n : plan.notes) o << "note: " << n << "\n";
  return o.str();
}

}  // namespace llb
