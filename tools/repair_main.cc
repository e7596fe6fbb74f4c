// llbitmap-repair: check the md and llbitmap metadata of an array's members and, with consent,
// fix it, always towards resyncing more rather than less. Exit status as e2fsck's.

#include <unistd.h>

#include <iostream>
#include <sstream>

#include "libformat/io/undo_file.h"
#include "libformat/ops/repair.h"
#include "libformat/report/repair_report.h"
#include "libformat/report/tool_json.h"
#include "tools/cli.h"

namespace po = boost::program_options;
using namespace llb;

namespace {

// e2fsck's exit codes, OR-ed.
enum Exit {
  kClean = 0, kFixed = 1, kUncorrected = 4, kOperational = 8, kUsage = 16, kCancelled = 32
};

}  // namespace

int main(int argc, char** argv) {
  cli::Command cmd({
      "llbitmap-repair",
      "Usage: llbitmap-repair [--check] MEMBER...\n"
      "       llbitmap-repair --repair [--yes] [--undo-file F] MEMBER...\n"
      "       llbitmap-repair --dry-run MEMBER...",
      "Checks the md superblocks, bitmap superblocks and llbitmap state bytes of an array's\n"
      "members. --check (the default) and --dry-run never write. --repair writes, after asking\n"
      "(or with --yes); repairs only ever make the kernel resync more, never less.",
      {{kClean, "no problem"},
       {kFixed, "problems fixed"},
       {kUncorrected, "problems left uncorrected (--check: problems found)"},
       {kOperational, "operational error"},
       {kUsage, "usage"},
       {kCancelled, "cancelled at the prompt"}},
      kUsage,
      true});
  cmd.add()
      ("check,n", "report problems, write nothing (the default)")
      ("repair,r", "fix the problems found (asks first unless --yes)")
      ("yes,y", "answer yes: repair without asking")
      ("dry-run", "print every byte range on every member that --repair would change, old and new")
      ("undo-file,z", po::value<std::string>(), "save every sector before it is overwritten (llbitmap-undo restores it)")
      ("force-lockless", "rebuild an unreadable bitmap superblock as a lockless one even without evidence")
      ("layout", po::value<std::string>()->default_value("auto"), "state-byte layout: upstream, rfc or auto")
      ("json", "print one JSON document (schema llbitmap-repair, version 1; docs/tools-json.md)");
  cmd.add_hidden()("member", po::value<std::vector<std::string>>(), "members");
  cmd.add_quiet();
  cmd.positional("member", -1);
  if (auto done = cmd.parse(argc, argv)) return *done;
  if (!cmd.has("member")) return cmd.usage_error("no member given");
  if (cmd.has("check") + cmd.has("repair") + cmd.has("dry-run") > 1) {
    return cmd.usage_error("--check, --repair and --dry-run exclude each other");
  }
  const bool repair = cmd.has("repair");
  if (!repair && (cmd.has("yes") || cmd.has("undo-file"))) {
    return cmd.usage_error("--yes and --undo-file go with --repair");
  }
  if (repair && cmd.has("quiet") && !cmd.has("yes")) {
    return cmd.usage_error("--quiet --repair needs --yes (the question could not be seen)");
  }
  const auto layout = parse_layout_choice(cmd.get<std::string>("layout"));
  if (!layout) {
    return cmd.usage_error("--layout is '" + cmd.get<std::string>("layout") +
                           "', expected upstream, rfc or auto");
  }
  RepairOptions ropts;
  ropts.force_lockless = cmd.has("force-lockless");
  auto set = MemberSet::open(cmd.get<std::vector<std::string>>("member"),
                             repair ? Access::ReadWriteExclusive : Access::ReadOnly, *layout);
  if (!set.ok()) {
    // One device given twice, or devices of several arrays: a usage error, as e2fsck's 16.
    return cmd.fail(set.status(), set.status().code() == Code::InvalidArgument ? kUsage : kOperational);
  }
  RepairPlan plan = plan_repair(*set, ropts);
  const bool json = cmd.has("json");
  RepairRun run;
  run.mode = repair ? "repair" : cmd.has("dry-run") ? "dry-run" : "check";
  // Text goes out as the run goes; with --json, one document at the end.
  std::ostringstream text;
  auto finish = [&](int exit) {
    run.exit_status = exit;
    std::cout << (json ? repair_json(*set, plan, run) + "\n" : text.str());
    return exit;
  };
  text << repair_plan_text(plan);
  if (plan.clean()) {
    text << "clean: no problem found on " << set->size() << " member(s)\n";
    return finish(kClean);
  }
  if (!repair || plan.changes.empty()) {
    if (cmd.has("dry-run")) {
      for (const ByteChange& c : plan.changes) text << "would write " << describe_change(*set, c) << "\n";
    }
    text << plan.problems.size() << " problem(s), " << plan.unfixable()
         << " that repair cannot fix; " << plan.changes.size() << " byte range(s) to change"
         << (repair ? "" : " (nothing written; --repair fixes)") << "\n";
    return finish(kUncorrected);
  }
  if (!cmd.has("yes")) {
    if (json) return cmd.fail("--json --repair needs --yes (no question can be asked)", kUsage);
    if (!isatty(STDIN_FILENO)) {
      return cmd.fail("standard input is not a terminal: give --yes to repair without asking",
                      kOperational);
    }
    std::cout << text.str() << "Write " << plan.changes.size() << " change(s) to " << set->size()
              << " member(s)? [y/N] " << std::flush;
    text.str("");
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      std::cout << "cancelled: nothing written\n";
      return kCancelled;
    }
  }
  const std::vector<WriteTarget> targets = repair_targets(*set);
  if (cmd.has("undo-file")) {
    const std::string undo = cmd.get<std::string>("undo-file");
    auto log = make_undo_log(targets, plan.changes);
    Status st = log.ok() ? write_undo_file(undo, *log) : log.status();
    if (!st.ok()) return cmd.fail(st.message() + "\nllbitmap-repair: nothing written", kOperational);
    text << "undo file: " << undo << " (" << log->records.size() << " ranges)\n";
    run.undo_file = undo;
  }
  for (const ByteChange& c : plan.changes) text << "writing " << describe_change(*set, c) << "\n";
  if (!json) std::cout << text.str() << std::flush;
  text.str("");
  if (Status st = apply_changes(targets, plan.changes); !st.ok()) {
    return cmd.fail(st.message() + "\nllbitmap-repair: stopped part way; run it again to finish",
                    kOperational | kUncorrected);
  }
  run.written = true;
  // Check again, as e2fsck's second pass would.
  if (Status st = set->reload(*layout); !st.ok()) {
    return cmd.fail("re-reading after the repair: " + st.message(), kOperational);
  }
  RepairPlan after = plan_repair(*set, ropts);
  run.after = &after;
  if (!after.clean()) {
    text << "after the repair:\n" << repair_plan_text(after);
    return finish(kFixed | kUncorrected);
  }
  text << "fixed: " << plan.problems.size() << " problem(s); the members are consistent now\n";
  return finish(kFixed);
}
