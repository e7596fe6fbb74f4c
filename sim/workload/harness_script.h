#pragma once
// A trace as scenarios of the real-kernel harness (../shared/realkernel): shell scripts that
// run-scenario.sh runs in a qemu guest on the real kernel with mdadm 4.6, so any trace (JSON,
// a seeded random workload, a fio or blkparse import) can be checked against the kernel.
//
// A crash or a power-off ends the guest, so a trace becomes one scenario per boot; each later
// one starts from the images the one before left (the harness's "# FROM="). Every boot ends with
// a crash (sysrq-b: md writes nothing more), so its images are the on-disk state of that moment.
// differential_trace() is the same trace for the simulator, exporting its members at the same
// moments, so the two sides can be compared boot by boot.

#include <cstdint>
#include <string>
#include <vector>

#include "libformat/codec/status.h"
#include "sim/workload/trace.h"

namespace llb::sim {

struct HarnessScenario {
  std::string name;    // a scenario name: letters, digits, '-', '.'
  std::string script;  // the scenario script, headers (# DISKS=, # SIZE=, # FROM=...) first
};

// An op of the trace that differential_trace() leaves out (export, io_error).
inline constexpr std::size_t kNotInSimTrace = static_cast<std::size_t>(-1);

// The scenarios of trace `t`, named NAME-b1, NAME-b2, ... (docs/differential.md lists what the
// translation approximates). Fails (naming the op, its index and why) for what the guest cannot
// do: io_error (its "next N requests" has no device-mapper table). A media_error puts every member
// behind device-mapper (linear, a defect's sectors dm-flakey failing writes) from the first boot.
Result<std::vector<HarnessScenario>> harness_scenarios(const Trace& t, const std::string& name);

// The trace as the comparison runs it on the simulator: the crash fates of the harness (the
// guest's completed writes reach the image files: caches land; in-flight I/O is waited for before
// a crash, as the script does), and an `export` into `dir` labelled with each boot's scenario
// name at the moment that boot's images are taken. `sim_index`, when given, receives for each op
// of `t` its index in the result (kNotInSimTrace if left out).
//
// The scripts of harness_scenarios() print each op's start on the guest's clock ("llb-op INDEX
// UPTIME", INDEX into this trace), so a comparison can run the simulator on the guest's schedule
// (tests/realkernel/differential.py): TCG runs the guest several times slower than the model's
// clock, and every process start (dd, mdadm) takes 0.1 s or more there.
Trace differential_trace(const Trace& t, const std::string& name, const std::string& dir,
                         std::vector<std::size_t>* sim_index = nullptr);

}  // namespace llb::sim
