#pragma once
// A problem or remark about on-disk metadata, with a stable code for programs and a message for
// people. Examine, repair and the JSON schema all speak in findings.

#include <string>
#include <string_view>
#include <vector>

namespace llb {

enum class Severity { Info, Warning, Error };
std::string_view severity_name(Severity s);  // "info", "warning", "error"

struct Finding {
  Severity severity = Severity::Info;
  std::string code;     // stable, kebab-case: "md-checksum-mismatch", "bitmap-stale", ...
  std::string message;  // names device, offset, field, value and expectation
};

bool has_severity(const std::vector<Finding>& findings, Severity s);

}  // namespace llb
