// llbitmap-resync: offline, bitmap-driven RAID1 resync of an md array's members (block devices or
// image files) that no kernel holds. Without --write it only prints the plan.

#include <unistd.h>

#include <chrono>
#include <iostream>

#include "libformat/ops/resync.h"
#include "libformat/report/progress_report.h"
#include "libformat/report/resync_report.h"
#include "tools/cli.h"

namespace po = boost::program_options;
using namespace llb;

namespace {

enum Exit { kOk = 0, kPending = 1, kRefused = 2, kIoError = 4, kUsage = 8 };
using IoSize = cli::Bounded<std::uint32_t, (64u << 20), 4096>;
using Window = cli::Bounded<std::uint64_t, (1ull << 50), 1>;
using Rate = cli::Bounded<std::uint64_t>;

int exit_for(const Status& s) { return cli::is_device_failure(s) ? kIoError : kRefused; }

}  // namespace

int main(int argc, char** argv) {
  cli::Command cmd({
      "llbitmap-resync",
      "Usage: llbitmap-resync [options] MEMBER...",
      "Offline RAID1 resync driven by the llbitmap: for every chunk the kernel would resync at\n"
      "assembly, copy the source member's data to the other members and mark the chunk Clean on\n"
      "all. Give every member of the array. Without --write, prints the plan and writes nothing.\n"
      "Crash-safe: killed at any moment, a re-run (or the kernel) finishes the job.",
      {{kOk, "done, or nothing to do (--verify: the mirrors are equal)"},
       {kPending, "work pending (plan only), or --verify found differences"},
       {kRefused, "refused: an unsafe or unusable array"},
       {kIoError, "a device could not be opened (busy included), read or written"},
       {kUsage, "usage"}},
      kUsage});
  cmd.add()
      ("write,w", "perform the resync (open every member exclusively and write)")
      ("verify", "compare the mirrors chunk by chunk, like md's 'check'; writes nothing")
      ("full", "copy every chunk, whatever the bitmap says (arrays without a usable bitmap)")
      ("source", po::value<std::string>(), "member to copy from (default: the freshest by events, then role)")
      ("max-rate", po::value<Rate>()->default_value({0}, "0"), "limit in K/sec, like md's speed_limit_max (0: none)")
      ("progress", po::value<std::string>()->default_value("auto"),
       "auto (an mdstat line on a terminal), text, json (JSON lines on stdout) or none")
      ("json", "print the plan, verification and result as JSON lines (schema llbitmap-resync, version 1)")
      ("layout", po::value<std::string>()->default_value("auto"), "state-byte layout: upstream, rfc or auto");
  cmd.add_hidden()
      ("member", po::value<std::vector<std::string>>(), "members")
      ("io-size", po::value<IoSize>()->default_value({1u << 20}, "1048576"), "bytes per read/write")
      ("window", po::value<Window>()->default_value({256ull << 20}, "268435456"),
       "data bytes per Syncing -> Clean window");
  cmd.add_quiet();
  cmd.positional("member", -1);
  if (auto done = cmd.parse(argc, argv)) return *done;
  if (!cmd.has("member")) return cmd.usage_error("no member given");
  if (cmd.has("write") && cmd.has("verify")) return cmd.usage_error("--write and --verify exclude each other");
  const auto layout = parse_layout_choice(cmd.get<std::string>("layout"));
  if (!layout) {
    return cmd.usage_error("--layout is '" + cmd.get<std::string>("layout") +
                           "', expected upstream, rfc or auto");
  }
  std::string progress = cmd.get<std::string>("progress");
  if (progress == "auto") progress = isatty(STDERR_FILENO) ? "text" : "none";
  if (progress != "text" && progress != "json" && progress != "none") {
    return cmd.usage_error("--progress is '" + progress + "', expected auto, text, json or none");
  }
  // --json: the plan, the verification and the result as JSON documents, one per line; progress
  // lines join them only with --progress json.
  const bool json = progress == "json" || cmd.has("json");
  const bool json_progress = progress == "json";
  ResyncOptions opts;
  if (cmd.has("source")) opts.source = cmd.get<std::string>("source");
  opts.full = cmd.has("full");
  opts.max_rate_kib = cmd.get<Rate>("max-rate").value;
  opts.io_bytes = cmd.get<IoSize>("io-size").value;
  opts.window_bytes = cmd.get<Window>("window").value;
  auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  if (progress != "none") {
    opts.on_progress = [&, json_progress](const Progress& p) {
      const auto now = std::chrono::steady_clock::now();
      const bool end = p.done_bytes >= p.total_bytes;
      if (!end && now - last < std::chrono::milliseconds(200)) return;
      last = now;
      if (json_progress) {
        std::cout << "{\"progress\":" << progress_json_line(p) << "}\n" << std::flush;
      } else {
        std::cerr << "\r      " << progress_mdstat_line(p) << (end ? "\n" : "") << std::flush;
      }
    };
  }

  const bool write = cmd.has("write");
  auto set = MemberSet::open(cmd.get<std::vector<std::string>>("member"),
                             write ? Access::ReadWriteExclusive : Access::ReadOnly, *layout);
  if (!set.ok()) {
    // One device given twice, or devices of several arrays: the command line is wrong.
    return cmd.fail(set.status(),
                    set.status().code() == Code::InvalidArgument ? kUsage : exit_for(set.status()));
  }
  if (cmd.has("verify")) {
    auto r = verify_mirrors(*set, opts);
    if (!r.ok()) return cmd.fail(r.status(), exit_for(r.status()));
    std::cout << (json ? verify_json(*r) + "\n" : verify_text(*set, *r));
    return r->mismatched_units ? kPending : kOk;
  }
  auto plan = plan_resync(*set, opts);
  if (!plan.ok()) return cmd.fail("refused: " + plan.status().message(), exit_for(plan.status()));
  const ResyncPlan& p = *plan;
  std::cout << (json ? resync_plan_json(*set, p) + "\n" : resync_plan_text(*set, p));
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
    std::cerr << "\n";
    return cmd.fail(st.message() + "\nllbitmap-resync: stopped; every chunk not yet Clean is still "
                                   "flagged: run again to finish",
                    exit_for(st));
  }
  std::cout << (json ? resync_result_json(p, secs) + "\n" : resync_result_text(p, secs));
  return kOk;
}
