#include "libformat/codec/finding.h"

#include <algorithm>

namespace llb {

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "unknown";
}

bool has_severity(const std::vector<Finding>& findings, Severity s) {
  return std::any_of(findings.begin(), findings.end(),
                     [s](const Finding& f) { return f.severity == s; });
}

}  // namespace llb
