// llbitmap-sim: run a trace (or a workload made from a seed) through the simulated RAID1 and
// llbitmap of either kernel version, and show what each member holds, when.

#include <fstream>
#include <iostream>

#include "sim/workload/random_workload.h"
#include "sim/report/result_json.h"
#include "sim/report/run_text.h"
#include "sim/workload/runner.h"
#include "tools/cli.h"
#include "tools/sim_inputs.h"

namespace po = boost::program_options;
using namespace llb;
using namespace llb::sim;

namespace {

constexpr int kExitOk = 0, kExitFailed = 1, kExitBadInput = 2, kExitUsage = 8;

}  // namespace

int explore_main(int argc, char** argv);
int scenario_main(int argc, char** argv);

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "explore") return explore_main(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "scenario") return scenario_main(argc, argv);
  cli::Command cmd({
      "llbitmap-sim",
      "Usage: llbitmap-sim run TRACE [options]\n"
      "       llbitmap-sim run --seed N [options]\n"
      "       llbitmap-sim explore ... (the crash explorer; see llbitmap-sim explore --help)\n"
      "       llbitmap-sim scenario ... (a trace for the real-kernel harness; see its --help)",
      "Replays a trace (docs/sim-trace.md) through a simulated md RAID1 with an llbitmap and\n"
      "prints a timeline and what each member holds. With --seed and no trace, a random\n"
      "workload is made from the seed. TRACE - reads the trace from standard input.",
      {{kExitOk, "ran"},
       {kExitFailed, "an operation failed"},
       {kExitBadInput, "bad trace"},
       {kExitUsage, "usage"}},
      kExitUsage});
  cmd.add()
      ("seed", po::value<cli::Bounded<std::uint64_t>>(), "seed of the run (latencies, UUIDs, random workload)")
      ("kernel", po::value<std::string>()->default_value("upstream"),
       "kernel to model: upstream (Linux 7.2), upstream-patched (Linux 7.2 with tests/realkernel/patches) or rfc (the January 2025 RFC)")
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
    return cmd.usage_error("expected the command 'run' (or 'explore', 'scenario')");
  }
  const std::string kernel_s = vm["kernel"].as<std::string>();
  const auto kernel = parse_kernel_model(kernel_s);
  if (!kernel) {
    return cmd.usage_error("--kernel is '" + kernel_s + "', expected " +
                           std::string(kernel_model_choices()));
  }
  RunOptions opts;
  opts.kernel = *kernel;
  Trace trace;
  std::string trace_arg;
  if (vm.count("trace")) {
    trace_arg = vm["trace"].as<std::string>();
    auto t = reported(load_trace(trace_arg));
    if (!t) return kExitBadInput;
    trace = std::move(*t);
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
                                    kernel_model_name(opts.kernel));
  TraceRunner runner(trace, opts);
  const RunResult r = runner.run();
  std::cout << (vm.count("json") ? run_json(trace, opts, r, runner.array().timeline(), repro, 2) + "\n"
                                 : run_text(trace, opts, r, runner.array().timeline(), repro));
  return r.ok ? kExitOk : kExitFailed;
}
