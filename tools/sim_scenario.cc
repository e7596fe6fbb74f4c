// `llbitmap-sim scenario`: a trace (JSON, a seeded random workload or an imported fio/blkparse
// capture) as scenarios of the real-kernel harness, plus the same trace for the simulator, so the
// two can be compared boot by boot (tests/realkernel/differential.py).

#include <filesystem>
#include <fstream>
#include <iostream>

#include "sim/workload/harness_script.h"
#include "sim/workload/import.h"
#include "sim/workload/random_workload.h"
#include "tools/cli.h"
#include "tools/sim_inputs.h"

namespace po = boost::program_options;
using namespace llb;
using namespace llb::sim;

namespace {

constexpr int kOk = 0, kBadInput = 2, kUsage = 8;
using Seed = cli::Bounded<std::uint64_t>;
using Members = cli::Bounded<std::uint32_t, 8, 2>;
using Ops = cli::Bounded<std::uint32_t, 100000>;
using WaitMs = cli::Bounded<std::uint32_t, 3600000>;
using IoDepth = cli::Bounded<std::uint32_t, 1024, 1>;

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  f.close();
  if (!f) return Status(Code::IoError, str_cat(path, ": cannot write"));
  return Status::ok_status();
}

}  // namespace

int scenario_main(int argc, char** argv) {
  cli::Command cmd({
      "llbitmap-sim scenario",
      "Usage: llbitmap-sim scenario TRACE --out DIR [options]\n"
      "       llbitmap-sim scenario --seed N --out DIR [options]\n"
      "       llbitmap-sim scenario --import FILE --out DIR [options]",
      "Writes a workload as scenarios of the real-kernel harness (../shared/realkernel), one\n"
      "per boot of its guest (a crash or power-off ends one): DIR/NAME-b1.sh, -b2.sh, ...; and\n"
      "DIR/NAME.sim.json, the same workload for llbitmap-sim run, which exports the members at\n"
      "the moments each boot's images are taken (into DIR/sim). Every boot ends with a crash,\n"
      "so its images are what the members held on disk. TRACE - reads standard input.",
      {{kOk, "written"}, {kBadInput, "bad input, or a workload the harness cannot run"},
       {kUsage, "usage"}},
      kUsage});
  cmd.add()
      ("out", po::value<std::string>(), "directory for the scenarios and the simulator's trace")
      ("name", po::value<std::string>(), "scenario name (default: the trace's name)")
      ("seed", po::value<Seed>(), "with no TRACE: a random workload from this seed")
      ("import", po::value<std::string>(), "a fio iolog (v2/v3) or blkparse text output")
      ("iodepth", po::value<IoDepth>()->default_value({1}, "1"), "with --import of a fio iolog v3: at most this many I/Os in flight")
      ("members", po::value<Members>()->default_value({2}, "2"), "members for --seed/--import workloads")
      ("member-size", po::value<std::string>()->default_value("64M"), "member size for --seed/--import")
      ("ops", po::value<Ops>()->default_value({12}, "12"), "operations of a --seed workload")
      ("max-wait-ms", po::value<WaitMs>()->default_value({2000}, "2000"), "no wait of a --seed workload longer than this (0: as drawn, up to 40 s)")
      ("no-failures", "a --seed workload fails and re-adds no member")
      ("no-discards", "a --seed workload discards nothing")
      ("media-errors", "a --seed workload also meets media errors (the guest's members go behind device-mapper)");
  cmd.add_hidden()("command", po::value<std::string>())("trace", po::value<std::string>());
  cmd.positional("command", 1);
  cmd.positional("trace", 1);
  if (auto done = cmd.parse(argc, argv)) return *done;
  const po::variables_map& vm = cmd.vm();
  if (!vm.count("out")) return cmd.usage_error("--out DIR is required");
  const auto size = parse_size(vm["member-size"].as<std::string>());
  if (!size) return cmd.usage_error("--member-size '" + vm["member-size"].as<std::string>() + "' is not a size");
  const std::uint32_t members = vm["members"].as<Members>().value;
  if (auto p = array_shape_problem(members, *size)) return cmd.usage_error(shape_usage(*p));
  const int sources = static_cast<int>(vm.count("trace") + vm.count("seed") + vm.count("import"));
  if (sources != 1) return cmd.usage_error("give one of TRACE, --seed N or --import FILE");
  Trace trace;
  if (vm.count("trace")) {
    auto t = reported(load_trace(vm["trace"].as<std::string>()));
    if (!t) return kBadInput;
    trace = std::move(*t);
  } else if (vm.count("import")) {
    ImportOptions io;
    io.members = members;
    io.member_size_bytes = *size;
    io.iodepth = vm["iodepth"].as<IoDepth>().value;
    auto t = reported(import_workload_file(vm["import"].as<std::string>(), io));
    if (!t) return kBadInput;
    trace = std::move(*t);
  } else {
    WorkloadOptions w;
    w.members = members;
    w.member_size_bytes = *size;
    w.ops = vm["ops"].as<Ops>().value;
    w.max_wait_ms = vm["max-wait-ms"].as<WaitMs>().value;
    w.failures = !vm.count("no-failures");
    w.discards = !vm.count("no-discards");
    w.media_errors = vm.count("media-errors") > 0;
    trace = random_workload(vm["seed"].as<Seed>().value, w);
  }
  const std::string name = vm.count("name") ? vm["name"].as<std::string>() : trace.name;
  auto scenarios = harness_scenarios(trace, name);
  if (!scenarios.ok()) {
    std::cerr << "llbitmap-sim scenario: " << name << ": " << scenarios.status().to_string() << "\n";
    return kBadInput;
  }
  const std::string dir = vm["out"].as<std::string>();
  std::error_code ec;
  std::filesystem::create_directories(dir + "/sim", ec);
  if (ec) {
    std::cerr << "llbitmap-sim scenario: " << dir << ": " << ec.message() << "\n";
    return kBadInput;
  }
  for (const HarnessScenario& s : *scenarios) {
    const std::string path = str_cat(dir, "/", s.name, ".sh");
    if (Status st = write_file(path, s.script); !st.ok()) {
      std::cerr << "llbitmap-sim scenario: " << st.to_string() << "\n";
      return kBadInput;
    }
    std::cout << path << "\n";
  }
  const std::string sim_path = str_cat(dir, "/", name, ".sim.json");
  if (Status st = write_file(sim_path, trace_to_json(differential_trace(trace, name, dir + "/sim")));
      !st.ok()) {
    std::cerr << "llbitmap-sim scenario: " << st.to_string() << "\n";
    return kBadInput;
  }
  std::cout << sim_path << "\n";
  return kOk;
}
