// llbitmap-sim: run a trace (or a workload made from a seed) through the simulated RAID1 and
// llbitmap of either kernel version, and show what each member holds, when.

#include <cstdio>
#include <fstream>
#include <iostream>

#include "libformat/report/json.h"
#include "libformat/report/report.h"
#include "libformat/report/report_json.h"
#include "sim/workload/random_workload.h"
#include "sim/report/result_json.h"
#include "sim/workload/runner.h"
#include "tools/cli.h"

namespace po = boost::program_options;
using namespace llb;
using namespace llb::sim;

namespace {

constexpr int kExitOk = 0, kExitFailed = 1, kExitBadInput = 2, kExitUsage = 8;

std::string runs_text(const std::vector<std::uint8_t>& states, KernelVersion v) {
  std::string s;
  for (const StateRun& r : state_runs(states)) {
    if (!s.empty()) s += " ";
    s += format_range(r.first, r.last) + ":" + state_byte_label(r.value, v);
  }
  return s;
}

void print_snapshot(const Snapshot& s, KernelVersion v) {
  std::printf("-- %s at %.6f s (on disk)\n", s.label.c_str(),
              static_cast<double>(s.at) / kTicksPerSecond);
  for (const MemberState& m : s.members) {
    std::printf("  %s%s: md events %llu (%s), bitmap events %llu state 0x%x chunksize %u "
                "daemon_sleep %u\n    %s\n",
                m.name.c_str(), m.faulty ? " (faulty)" : (m.in_array ? "" : " (not in array)"),
                static_cast<unsigned long long>(m.md_events), m.md_clean ? "clean" : "active",
                static_cast<unsigned long long>(m.bitmap_events), m.bitmap_state, m.chunksize,
                m.daemon_sleep, runs_text(m.states, v).c_str());
  }
  if (!s.memory_counts.empty()) {
    std::printf("  in memory (sysfs bits):");
    for (int st = 0; st < state_count(v); ++st) {
      std::printf(" %s %llu", std::string(state_sysfs_label(static_cast<State>(st))).c_str(),
                  static_cast<unsigned long long>(s.memory_counts[st]));
    }
    std::printf("\n");
  }
}

}  // namespace

int explore_main(int argc, char** argv);

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "explore") return explore_main(argc, argv);
  cli::Command cmd({
      "llbitmap-sim",
      "Usage: llbitmap-sim run TRACE [options]\n"
      "       llbitmap-sim run --seed N [options]\n"
      "       llbitmap-sim explore ... (the crash explorer; see llbitmap-sim explore --help)",
      "Replays a trace (docs/sim-trace.md) through a simulated md RAID1 with an llbitmap and\n"
      "prints a timeline and what each member holds. With --seed and no trace, a random\n"
      "workload is made from the seed.",
      {{kExitOk, "ran"},
       {kExitFailed, "an operation failed"},
       {kExitBadInput, "bad trace"},
       {kExitUsage, "usage"}},
      kExitUsage});
  cmd.add()
      ("seed", po::value<cli::Bounded<std::uint64_t>>(), "seed of the run (latencies, UUIDs, random workload)")
      ("kernel", po::value<std::string>()->default_value("upstream"),
       "kernel version to model: upstream (Linux 7.2) or rfc (January 2025 RFC)")
      ("export", po::value<std::string>(), "write the members' images into this directory at the end")
      ("json", "print the result as JSON instead of text")
      ("quiet,q", "no timeline")
      ("save-trace", po::value<std::string>(), "write the trace that ran (useful with --seed)");
  cmd.add_hidden()("command", po::value<std::string>())("trace", po::value<std::string>());
  cmd.positional("command", 1);
  cmd.positional("trace", 1);
  if (auto done = cmd.parse(argc, argv)) return *done;
  const po::variables_map& vm = cmd.vm();
  if (!vm.count("command") || vm["command"].as<std::string>() != "run") {
    return cmd.usage_error("expected the command 'run' (or 'explore')");
  }
  const std::string kernel_s = vm["kernel"].as<std::string>();
  const auto kernel = parse_kernel_version(kernel_s);
  if (!kernel) return cmd.usage_error("--kernel is '" + kernel_s + "', expected upstream or rfc");
  RunOptions opts;
  opts.kernel = *kernel;
  Trace trace;
  std::string trace_arg;
  if (vm.count("trace")) {
    trace_arg = vm["trace"].as<std::string>();
    auto t = load_trace(trace_arg);
    if (!t.ok()) {
      std::cerr << "llbitmap-sim: " << t.status().to_string() << "\n";
      return kExitBadInput;
    }
    trace = *t;
    opts.seed = trace.seed.value_or(1);
    if (trace.kernel && vm["kernel"].defaulted()) opts.kernel = *trace.kernel;
  } else if (vm.count("seed")) {
    trace = random_workload(vm["seed"].as<cli::Bounded<std::uint64_t>>().value, WorkloadOptions{});
  } else {
    return cmd.usage_error("give a TRACE or --seed N");
  }
  if (vm.count("seed")) opts.seed = vm["seed"].as<cli::Bounded<std::uint64_t>>().value;
  if (vm.count("export")) opts.export_dir = vm["export"].as<std::string>();
  opts.timeline = !vm.count("quiet");
  if (vm.count("save-trace")) {
    std::ofstream(vm["save-trace"].as<std::string>()) << trace_to_json(trace);
  }
  const std::string repro = str_cat("llbitmap-sim run ", trace_arg.empty() ? "" : trace_arg + " ",
                                    "--seed ", opts.seed, " --kernel ",
                                    kernel_version_name(opts.kernel));
  TraceRunner runner(trace, opts);
  RunResult r = runner.run();
  if (vm.count("json")) {
    Json j = run_json(trace, opts, r, runner.array().timeline(), repro);
    std::cout << json_text(j, 2) << "\n";
  } else {
    std::printf("llbitmap-sim: trace %s, seed %llu, kernel %s, %u members of %llu bytes\n",
                trace.name.c_str(), static_cast<unsigned long long>(opts.seed),
                std::string(kernel_version_name(opts.kernel)).c_str(), trace.array.members,
                static_cast<unsigned long long>(trace.array.disk.size_bytes));
    if (opts.timeline) std::fputs(format_timeline(runner.array().timeline()).c_str(), stdout);
    for (const auto& d : r.dumps) print_snapshot(d, opts.kernel);
    print_snapshot(r.final_state, opts.kernel);
    for (const auto& p : r.exported) std::printf("exported %s\n", p.c_str());
    std::printf("events processed %llu, simulated time %.6f s, event-log hash %s\n",
                static_cast<unsigned long long>(r.events), static_cast<double>(r.end) / kTicksPerSecond,
                hex(r.event_hash, 16).c_str());
    if (!r.ok) std::printf("FAILED: %s\n", r.error.c_str());
    std::printf("reproduce: %s\n", repro.c_str());
  }
  return r.ok ? kExitOk : kExitFailed;
}
