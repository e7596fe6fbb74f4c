#pragma once
// What llbitmap-sim's subcommands (run, explore, scenario) share in reading their workload: a
// trace or capture that fails to load is reported the same way, and an array shape a seeded or
// imported workload cannot take is named as the options that gave it.

#include <iostream>
#include <optional>
#include <string>

#include "sim/workload/trace.h"

namespace llb::sim {

// The workload, or nothing after printing why on standard error (the caller exits 2).
inline std::optional<Trace> reported(Result<Trace> t) {
  if (!t.ok()) {
    std::cerr << "llbitmap-sim: " << t.status().to_string() << "\n";
    return std::nullopt;
  }
  return std::move(t).value();
}

// "--members is 1, expected ..." / "--member-size is ..., expected ...": a usage error's text.
inline std::string shape_usage(const ShapeProblem& p) {
  return str_cat("--", p.field == "members" ? "members" : "member-size", " is ", p.value,
                 ", expected ", p.expected);
}

}  // namespace llb::sim
