// `llbitmap-sim explore`: the crash explorer on a trace, a seeded random workload, or an
// imported fio iolog / blkparse log.

#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>

#include "sim/explore/explore.h"
#include "sim/workload/import.h"
#include "sim/workload/random_workload.h"
#include "sim/explore/session.h"
#include "sim/report/result_json.h"
#include "sim/report/run_text.h"
#include "sim/workload/runner.h"
#include "tools/cli.h"
#include "tools/sim_inputs.h"

namespace po = boost::program_options;
using namespace llb;
using namespace llb::sim;

namespace {

constexpr int kOk = 0, kViolation = 1, kBadInput = 2, kUsage = 8;
// Bounds that keep a run finite and its memory small: a --seed workload of more operations than
// this is built whole in memory before the first state; crash points with more combinations are
// sampled; more samples per point than this never finish in a budget worth asking for.
constexpr std::uint64_t kMaxOps = 100000;
constexpr std::uint64_t kMaxCombinations = 1u << 24;
constexpr std::uint64_t kMaxSamples = 1u << 20;
constexpr std::uint64_t kMaxMembers = 1u << 16;  // array_shape_problem says what fits
using Seed = cli::Bounded<std::uint64_t>;
using Members = cli::Bounded<std::uint32_t, kMaxMembers>;
using Ops = cli::Bounded<std::uint32_t, kMaxOps>;
using Combinations = cli::Bounded<std::uint64_t, kMaxCombinations, 1>;
using Samples = cli::Bounded<std::uint32_t, kMaxSamples, 1>;
using Count = cli::Bounded<std::uint64_t>;
using IoDepth = cli::Bounded<std::uint32_t, 1024, 1>;
using Jobs = cli::Bounded<std::uint32_t, 256, 1>;

// "A:B": the seeds A, A+1, ..., B-1 (as Python's range), at most 2^20 of them.
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_seed_range(const std::string& s) {
  const auto colon = s.find(':');
  if (colon == std::string::npos) return std::nullopt;
  const auto a = cli::parse_unsigned(s.substr(0, colon));
  const auto b = cli::parse_unsigned(s.substr(colon + 1));
  if (!a || !b || *b <= *a || *b - *a > (1u << 20)) return std::nullopt;
  return std::make_pair(*a, *b);
}

// Runs job(i) for i in [0, n) on `jobs` threads and hands each result to emit(i, result) in
// index order, as soon as every earlier one is out: the output is the same for any job count.
template <typename Job, typename Emit>
void run_in_order(std::size_t n, unsigned jobs, Job job, Emit emit) {
  using R = decltype(job(std::size_t{0}));
  std::vector<std::optional<R>> done(n);
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::size_t emitted = 0;
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) {
      R r = job(i);
      std::lock_guard<std::mutex> lock(mu);
      done[i] = std::move(r);
      while (emitted < n && done[emitted]) {
        emit(emitted, *done[emitted]);
        done[emitted].reset();
        ++emitted;
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < jobs && t < n; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace

// --seeds A:B [--jobs N]: one exploration per seed, reported in seed order (JSON: one document
// per line), whatever the number of jobs. Exit: 2 if any workload failed, else 1 if any seed
// found a violation, else 0.
template <typename RequestFor>
int explore_seeds(const cli::Command& cmd, bool json, RequestFor request_for) {
  const auto range = parse_seed_range(cmd.get<std::string>("seeds"));
  if (!range) {
    return cmd.usage_error("--seeds is '" + cmd.get<std::string>("seeds") +
                           "', expected A:B with A < B (the seeds A to B-1, at most 2^20 of them)");
  }
  const unsigned jobs = cmd.get<Jobs>("jobs").value;
  int exit = kOk;
  run_in_order(
      static_cast<std::size_t>(range->second - range->first), jobs,
      [&](std::size_t i) {
        const ExploreRequest req = request_for(range->first + i);
        ExploreSession s = run_exploration(req);
        if (!s.result.run_error.empty()) {
          std::cerr << "llbitmap-sim: seed " << req.options.seed
                    << ": the workload failed: " << s.result.run_error << "\n";
          // JSON: the document says so too (its run_error field)
          return std::make_pair(kBadInput, json ? explore_session_json(req, s) + "\n" : std::string());
        }
        std::string out = json ? explore_session_json(req, s) + "\n"
                               : explore_header_text(req) + explore_session_text(req, s);
        return std::make_pair(s.violated() ? kViolation : kOk, out);
      },
      [&](std::size_t, const std::pair<int, std::string>& r) {
        std::cout << r.second << std::flush;
        if (r.first == kBadInput || exit == kBadInput) {
          exit = kBadInput;
        } else if (r.first == kViolation) {
          exit = kViolation;
        }
      });
  return exit;
}

int explore_main(int argc, char** argv) {
  cli::Command cmd({
      "llbitmap-sim explore",
      "Usage: llbitmap-sim explore TRACE [options]\n"
      "       llbitmap-sim explore --seed N [options]\n"
      "       llbitmap-sim explore --import FILE [options]   (fio iolog v2/v3 or blkparse text)",
      "Runs the workload and, at every crash point, enumerates what a power loss could leave on\n"
      "the members (cached writes kept or lost, in-flight writes landed, lost or torn, every\n"
      "member on its own), assembles each state as the kernel would and checks that every chunk\n"
      "whose mirrors differ is resynced. TRACE - reads the trace from standard input.",
      {{kOk, "no violation"},
       {kViolation, "a violation found"},
       {kBadInput, "bad input, or the workload failed"},
       {kUsage, "usage"}},
      kUsage});
  cmd.add()
      ("seed", po::value<Seed>(), "seed (latencies, sampling; with no TRACE: the random workload)")
      ("seeds", po::value<std::string>(), "A:B: explore each seed from A to B-1 (as --seed), one report per seed in seed order")
      ("jobs,j", po::value<Jobs>()->default_value({1}, "1"), "with --seeds: explore this many seeds at once (the output does not depend on it)")
      ("kernel", po::value<std::string>()->default_value("upstream"), "upstream (Linux 7.2), upstream-patched (with tests/realkernel/patches) or rfc")
      ("import", po::value<std::string>(), "replay a fio iolog (v2/v3) or blkparse text output (- for standard input)")
      ("iodepth", po::value<IoDepth>()->default_value({1}, "1"), "with --import of a fio iolog v3: at most this many I/Os in flight, as fio's replay (its --iodepth)")
      ("members", po::value<Members>()->default_value({2}, "2"), "members for --seed/--import workloads")
      ("member-size", po::value<std::string>()->default_value("128M"), "member size for --seed/--import")
      ("logical-block-size", po::value<std::uint32_t>()->default_value(512), "logical block size of a --seed workload's members: 512 or 4096")
      ("ops", po::value<Ops>()->default_value({40}, "40"), "operations of a --seed workload (or the first N imported), at most 100000")
      ("media-errors", "a --seed workload also meets media errors: a member's write fails there and md records bad blocks")
      ("random", "seeded random sampling of each crash point instead of exhaustive enumeration")
      ("max-combinations", po::value<Combinations>()->default_value({4096}, "4096"), "exhaustive at crash points with at most this many combinations of fates (up to 2^24); sampled beyond")
      ("samples", po::value<Samples>()->default_value({64}, "64"), "states sampled per crash point (random mode, or beyond --max-combinations), up to 2^20")
      ("no-torn", "in-flight writes land whole or not at all")
      ("live-pages", "a bitmap write carries its page as the device fetches it (at completion, or at the crash while in flight), not as it was at submission")
      ("no-cache-loss", "completed writes survive in the volatile cache (with --no-torn: the ordered-writes fault model)")
      ("max-states", po::value<Count>()->default_value({0}, "0"), "stop after this many states (0: none)")
      ("budget-ms", po::value<Count>()->default_value({0}, "0"), "stop after this much wall time (0: none)")
      ("stop-at-first", "stop at the first violation")
      ("shrink", "reduce a violation to a minimal trace and print it")
      ("save-trace", po::value<std::string>(), "write the (shrunk) trace explored")
      ("export-violation", po::value<std::string>(), "write the members of the first violation's crash state here")
      ("plant-fault", "explore the model variant that issues data before its bitmap block (a test of the explorer)")
      ("json", "print the statistics and violations as JSON");
  cmd.add_hidden()("command", po::value<std::string>())("trace", po::value<std::string>());
  cmd.positional("command", 1);
  cmd.positional("trace", 1);
  if (auto done = cmd.parse(argc, argv)) return *done;
  const po::variables_map& vm = cmd.vm();
  ExploreOptions o;
  const std::string ks = vm["kernel"].as<std::string>();
  const auto kernel = parse_kernel_model(ks);
  if (!kernel) {
    return cmd.usage_error("--kernel is '" + ks + "', expected " + std::string(kernel_model_choices()));
  }
  o.kernel = *kernel;
  const auto size = parse_size(vm["member-size"].as<std::string>());
  if (!size) {
    return cmd.usage_error("--member-size '" + vm["member-size"].as<std::string>() + "' is not a size");
  }
  if (!vm.count("trace")) {
    if (auto p = array_shape_problem(vm["members"].as<Members>().value, *size)) {
      return cmd.usage_error(shape_usage(*p));
    }
  }
  Trace trace;
  std::string what;
  std::optional<WorkloadOptions> random_options;  // a --seed/--seeds workload
  if (vm.count("seed") && vm.count("seeds")) return cmd.usage_error("--seed and --seeds exclude each other");
  if (vm.count("seeds") && (vm.count("export-violation") || vm.count("save-trace"))) {
    return cmd.usage_error("--export-violation and --save-trace take one seed, not --seeds");
  }
  if (vm.count("trace")) {
    auto t = reported(load_trace(vm["trace"].as<std::string>()));
    if (!t) return kBadInput;
    trace = std::move(*t);
    o.seed = trace.seed.value_or(1);
    if (trace.kernel && vm["kernel"].defaulted()) o.kernel = *trace.kernel;
    what = vm["trace"].as<std::string>();
  } else if (vm.count("import")) {
    ImportOptions io;
    io.members = vm["members"].as<Members>().value;
    io.member_size_bytes = *size;
    io.max_ops = vm["ops"].defaulted() ? 0 : vm["ops"].as<Ops>().value;
    io.iodepth = vm["iodepth"].as<IoDepth>().value;
    auto t = reported(import_workload_file(vm["import"].as<std::string>(), io));
    if (!t) return kBadInput;
    trace = std::move(*t);
    // Everything the import depends on, so the printed command replays the same workload.
    what = str_cat("--import ", vm["import"].as<std::string>(), " --members ", io.members,
                   " --member-size ", vm["member-size"].as<std::string>(),
                   io.max_ops ? str_cat(" --ops ", io.max_ops) : std::string(),
                   io.iodepth == 1 ? std::string() : str_cat(" --iodepth ", io.iodepth));
  } else if (vm.count("seed") || vm.count("seeds")) {
    WorkloadOptions w;
    w.members = vm["members"].as<Members>().value;
    w.member_size_bytes = *size;
    w.ops = vm["ops"].as<Ops>().value;
    w.logical_block_size = vm["logical-block-size"].as<std::uint32_t>();
    w.media_errors = vm.count("media-errors") > 0;
    if (auto p = logical_block_size_problem(w.logical_block_size)) {
      return cmd.usage_error(str_cat("--logical-block-size is ", p->value, ", expected ", p->expected));
    }
    random_options = w;
    // (the seed itself goes at the end of the command the session prints)
    what = str_cat("--members ", w.members,
                   " --member-size ", vm["member-size"].as<std::string>(), " --ops ", w.ops,
                   w.logical_block_size == 512 ? "" : " --logical-block-size 4096",
                   w.media_errors ? " --media-errors" : "");
  } else {
    return cmd.usage_error("give a TRACE, --seed N, --seeds A:B or --import FILE");
  }
  if (vm.count("seed")) o.seed = vm["seed"].as<Seed>().value;
  o.exhaustive = !vm.count("random");
  o.max_combinations = vm["max-combinations"].as<Combinations>().value;
  o.samples = vm["samples"].as<Samples>().value;
  o.torn = !vm.count("no-torn");
  o.live_pages = vm.count("live-pages") > 0;
  o.cache_loss = !vm.count("no-cache-loss");
  o.max_states = vm["max-states"].as<Count>().value;
  o.time_budget_ms = vm["budget-ms"].as<Count>().value;
  o.stop_at_first = vm.count("stop-at-first") > 0;
  o.planted_fault = vm.count("plant-fault") > 0;
  const bool json = vm.count("json") > 0;
  // The request for one seed: a random workload made from it, or the trace/import explored with
  // it as the exploration's seed.
  auto request_for = [&](std::optional<std::uint64_t> seed) {
    ExploreRequest req;
    req.options = o;
    if (seed) req.options.seed = *seed;
    req.trace = random_options ? random_workload(*seed, *random_options) : trace;
    req.what = what;
    req.shrink = vm.count("shrink") > 0;
    if (vm.count("export-violation")) req.export_dir = vm["export-violation"].as<std::string>();
    if (vm.count("save-trace")) req.save_trace_path = vm["save-trace"].as<std::string>();
    return req;
  };
  if (vm.count("seeds")) {
    return explore_seeds(cmd, json, request_for);
  }
  const ExploreRequest req = request_for(vm.count("seed") ? std::optional(vm["seed"].as<Seed>().value)
                                                          : std::nullopt);
  if (!json) std::cout << explore_header_text(req) << std::flush;
  const ExploreSession s = run_exploration(req);
  if (!s.result.run_error.empty()) {
    return cmd.fail("the workload failed: " + s.result.run_error, kBadInput);
  }
  std::cout << (json ? explore_session_json(req, s, 2) + "\n" : explore_session_text(req, s));
  return s.violated() ? kViolation : kOk;
}
