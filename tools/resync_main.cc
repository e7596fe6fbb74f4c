// llbitmap-resync: offline, bitmap-driven RAID1 resync of an md array's members (block devices or
// image files) that no kernel holds. Without --write it only prints the plan.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "libformat/json.h"
#include "libformat/report.h"
#include "libformat/resync.h"
#include "tools/cli_common.h"

namespace po = boost::program_options;
using namespace llb;

namespace {

enum Exit { kOk = 0, kPending = 1, kRefused = 2, kIoError = 4, kUsage = 8 };

int exit_for(const Status& s) { return cli::is_device_failure(s) ? kIoError : kRefused; }

std::string mode_name(ResyncMode m) {
  switch (m) {
    case ResyncMode::Bitmap: return "bitmap";
    case ResyncMode::FullWithBitmap: return "full";
    case ResyncMode::FullNoBitmap: return "full-no-bitmap";
  }
  return "?";
}

// "0-511, 640, 2031", or "none".
std::string runs_text(const std::vector<std::uint64_t>& chunks, std::size_t max_runs) {
  const std::string s = runs_summary(index_runs(chunks), max_runs);
  return s.empty() ? "none" : s;
}

Json plan_json(const MemberSet& set, const ResyncPlan& p) {
  Json j;
  j["mode"] = mode_name(p.mode);
  j["source"] = set.at(p.source).path;
  j["targets"] = Json::array();
  for (std::size_t t : p.targets) j["targets"].push_back(set.at(t).path);
  j["unit_sectors"] = p.unit_sectors;
  j["chunks"] = p.chunks.size();
  j["chunks_total"] = p.chunk_count_total;
  j["bytes"] = p.bytes;
  j["full_bytes"] = p.full_bytes;
  j["runs"] = runs_text(p.chunks, 1000);
  j["notes"] = p.notes;
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description visible(
      "Usage: llbitmap-resync [options] MEMBER...\n"
      "Offline RAID1 resync driven by the llbitmap: for every chunk the kernel would resync at\n"
      "assembly, copy the source member's data to the other members and mark the chunk Clean on\n"
      "all. Give every member of the array. Without --write, prints the plan and writes nothing.\n"
      "Crash-safe: killed at any moment, a re-run (or the kernel) finishes the job.\n\n"
      "Exit status: 0 done (or nothing to do; --verify: mirrors equal), 1 work pending (plan only)\n"
      "or --verify found differences, 2 refused (unsafe or unusable array), 4 a device could not\n"
      "be opened (busy included), read or written, 8 usage.\n\nOptions");
  visible.add_options()
      ("help,h", "show this help")
      ("version", "show the version")
      ("write,w", "perform the resync (open every member exclusively and write)")
      ("verify", "compare the mirrors chunk by chunk, like md's 'check'; writes nothing")
      ("full", "copy every chunk, whatever the bitmap says (arrays without a usable bitmap)")
      ("source", po::value<std::string>(), "member to copy from (default: the freshest by events, then role)")
      ("max-rate", po::value<cli::Bounded<std::uint64_t>>()->default_value({0}, "0"), "limit in K/sec, like md's speed_limit_max (0: none)")
      ("progress", po::value<std::string>()->default_value("auto"),
       "auto (an mdstat line on a terminal), text, json (JSON lines on stdout) or none")
      ("layout", po::value<std::string>()->default_value("auto"), "state-byte layout: upstream, rfc or auto");
  po::options_description hidden;
  hidden.add_options()
      ("member", po::value<std::vector<std::string>>(), "members")
      ("io-size", po::value<cli::Bounded<std::uint32_t, (64u << 20), 4096>>()->default_value({1u << 20}, "1048576"), "bytes per read/write")
      ("window", po::value<cli::Bounded<std::uint64_t, (1ull << 50), 1>>()->default_value({256ull << 20}, "268435456"),
       "data bytes per Syncing -> Clean window");
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description pos;
  pos.add("member", -1);
  po::variables_map vm;
  if (!cli::parse(argc, argv, visible, all, pos, vm, "llbitmap-resync")) return kUsage;
  if (vm.count("help")) {
    std::cout << visible;
    return kOk;
  }
  if (vm.count("version")) {
    std::cout << "llbitmap-resync " << LLB_VERSION << "\n";
    return kOk;
  }
  if (!vm.count("member")) {
    std::cerr << "llbitmap-resync: no member given\n" << visible;
    return kUsage;
  }
  if (vm.count("write") && vm.count("verify")) {
    std::cerr << "llbitmap-resync: --write and --verify exclude each other\n";
    return kUsage;
  }
  auto layout = parse_layout_choice(vm["layout"].as<std::string>());
  if (!layout) {
    std::cerr << "llbitmap-resync: --layout is '" << vm["layout"].as<std::string>()
              << "', expected upstream, rfc or auto\n";
    return kUsage;
  }
  std::string progress = vm["progress"].as<std::string>();
  if (progress == "auto") progress = isatty(STDERR_FILENO) ? "text" : "none";
  if (progress != "text" && progress != "json" && progress != "none") {
    std::cerr << "llbitmap-resync: --progress is '" << progress
              << "', expected auto, text, json or none\n";
    return kUsage;
  }
  const bool json = progress == "json";
  ResyncOptions opts;
  if (vm.count("source")) opts.source = vm["source"].as<std::string>();
  opts.full = vm.count("full") > 0;
  opts.max_rate_kib = vm["max-rate"].as<cli::Bounded<std::uint64_t>>().value;
  opts.io_bytes = vm["io-size"].as<cli::Bounded<std::uint32_t, (64u << 20), 4096>>().value;
  opts.window_bytes = vm["window"].as<cli::Bounded<std::uint64_t, (1ull << 50), 1>>().value;
  auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  if (progress != "none") {
    opts.on_progress = [&, json](const Progress& p) {
      const auto now = std::chrono::steady_clock::now();
      const bool end = p.done_bytes >= p.total_bytes;
      if (!end && now - last < std::chrono::milliseconds(200)) return;
      last = now;
      if (json) {
        std::cout << "{\"progress\":" << progress_json_line(p) << "}\n" << std::flush;
      } else {
        std::cerr << "\r      " << progress_mdstat_line(p) << (end ? "\n" : "") << std::flush;
      }
    };
  }

  const auto members = vm["member"].as<std::vector<std::string>>();
  const bool write = vm.count("write") > 0;
  auto set = MemberSet::open(members, write ? Access::ReadWriteExclusive : Access::ReadOnly, *layout);
  if (!set.ok()) {
    std::cerr << "llbitmap-resync: " << set.status().message() << "\n";
    // One device given twice, or devices of several arrays: the command line is wrong.
    return set.status().code() == Code::InvalidArgument ? kUsage : exit_for(set.status());
  }

  if (vm.count("verify")) {
    auto r = verify_mirrors(*set, opts);
    if (!r.ok()) {
      std::cerr << "llbitmap-resync: " << r.status().message() << "\n";
      return exit_for(r.status());
    }
    if (json) {
      Json j;
      j["verify"]["units_compared"] = r->units_compared;
      j["verify"]["unit_sectors"] = r->unit_sectors;
      j["verify"]["mismatched_chunks"] = r->mismatched_units;
      j["verify"]["mismatch_sectors"] = r->mismatch_sectors;
      Json runs = Json::array();
      for (const StateRun& run : r->runs) runs.push_back(Json::array({run.first, run.last}));
      j["verify"]["runs"] = runs;
      std::cout << json_text(j) << "\n";
    } else {
      std::cout << "check: compared " << r->units_compared << " chunks of " << r->unit_sectors
                << " sectors on " << set->size() << " mirrors\n"
                << "mismatch_cnt: " << r->mismatch_sectors << " sectors in "
                << r->mismatched_units << " chunks\n";
      std::size_t shown = 0;
      for (const StateRun& run : r->runs) {
        if (shown++ == 50) {
          std::cout << "  ...\n";
          break;
        }
        std::cout << "  differ: chunks " << format_range(run.first, run.last) << "\n";
      }
    }
    return r->mismatched_units ? kPending : kOk;
  }

  auto plan = plan_resync(*set, opts);
  if (!plan.ok()) {
    std::cerr << "llbitmap-resync: refused: " << plan.status().message() << "\n";
    return exit_for(plan.status());
  }
  const ResyncPlan& p = *plan;
  if (json) {
    std::cout << json_text(Json{{"plan", plan_json(*set, p)}}) << "\n";
  } else {
    std::cout << "source: " << set->at(p.source).path << "\n";
    for (std::size_t t : p.targets) std::cout << "target: " << set->at(t).path << "\n";
    std::cout << "mode: " << mode_name(p.mode) << "\n";
    for (const auto& n : p.notes) std::cout << "note: " << n << "\n";
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.2f", p.full_bytes ? 100.0 * static_cast<double>(p.bytes) /
                                                              static_cast<double>(p.full_bytes)
                                                        : 0.0);
    std::cout << "plan: " << p.chunks.size() << " of " << p.chunk_count_total << " chunks ("
              << runs_text(p.chunks, 20) << ")\n"
              << "bytes: " << p.bytes << " to each of " << p.targets.size() << " target(s); a full "
              << "resync copies " << p.full_bytes << " (" << pct << "%)\n";
  }
  if (!write) {
    const bool pending = !p.chunks.empty() || p.mark_md_clean || p.fix_bitmap_events;
    if (!json) {
      std::cout << (pending ? "nothing written: run again with --write to resync\n"
                            : "nothing to do: the mirrors are in sync as far as the bitmap knows\n");
    }
    return pending ? kPending : kOk;
  }
  const auto t0 = std::chrono::steady_clock::now();
  Status st = run_resync(*set, p, opts);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!st.ok()) {
    std::cerr << "\nllbitmap-resync: " << st.message()
              << "\nllbitmap-resync: stopped; every chunk not yet Clean is still flagged: run "
                 "again to finish\n";
    return exit_for(st);
  }
  if (json) {
    std::cout << json_text(Json{{"result", {{"ok", true}, {"bytes", p.bytes}, {"seconds", secs}}}})
              << "\n";
  } else {
    std::cout << "done: " << p.chunks.size() << " chunks, " << p.bytes << " bytes to each target in "
              << secs << " s\n";
  }
  return kOk;
}
