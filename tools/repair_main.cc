// llbitmap-repair: check the md and llbitmap metadata of an array's members and, with consent,
// fix it, always towards resyncing more rather than less. Exit status as e2fsck's.

#include <unistd.h>

#include <iostream>

#include "libformat/repair.h"
#include "tools/cli_common.h"

namespace po = boost::program_options;
using namespace llb;

namespace {

// e2fsck's exit codes, OR-ed.
enum Exit {
  kClean = 0, kFixed = 1, kUncorrected = 4, kOperational = 8, kUsage = 16, kCancelled = 32
};

void print_plan(const RepairPlan& plan) {
  for (const Problem& p : plan.problems) {
    std::cout << severity_name(p.severity) << " " << p.code << ": " << p.message << "\n";
    std::cout << "    " << (p.fix.empty() ? "NOT FIXED" : "fix: " + p.fix) << "\n";
  }
  for (const std::string& n : plan.notes) std::cout << "note: " << n << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description visible(
      "Usage: llbitmap-repair [--check] MEMBER...\n"
      "       llbitmap-repair --repair [--yes] [--undo-file F] MEMBER...\n"
      "       llbitmap-repair --dry-run MEMBER...\n"
      "Checks the md superblocks, bitmap superblocks and llbitmap state bytes of an array's\n"
      "members. --check (the default) and --dry-run never write. --repair writes, after asking\n"
      "(or with --yes); repairs only ever make the kernel resync more, never less.\n\n"
      "Exit status (as e2fsck, OR-ed): 0 no problem, 1 problems fixed, 4 problems left\n"
      "uncorrected (--check: problems found), 8 operational error, 16 usage, 32 cancelled.\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("version", "show the version")
      ("check,n", "report problems, write nothing (the default)")
      ("repair,r", "fix the problems found (asks first unless --yes)")
      ("yes,y", "answer yes: repair without asking")
      ("dry-run", "print every byte range on every member that --repair would change, old and new")
      ("undo-file,z", po::value<std::string>(), "save every sector before it is overwritten (llbitmap-undo restores it)")
      ("force-lockless", "rebuild an unreadable bitmap superblock as a lockless one even without evidence")
      ("layout", po::value<std::string>()->default_value("auto"), "state-byte layout: upstream, rfc or auto");
  po::options_description hidden;
  hidden.add_options()("member", po::value<std::vector<std::string>>(), "members");
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description pos;
  pos.add("member", -1);
  po::variables_map vm;
  if (!cli::parse(argc, argv, visible, all, pos, vm, "llbitmap-repair")) return kUsage;
  if (vm.count("help")) {
    std::cout << visible;
    return kClean;
  }
  if (vm.count("version")) {
    std::cout << "llbitmap-repair " << LLB_VERSION << "\n";
    return kClean;
  }
  if (!vm.count("member")) {
    std::cerr << "llbitmap-repair: no member given\n" << visible;
    return kUsage;
  }
  const int modes = static_cast<int>(vm.count("check") + vm.count("repair") + vm.count("dry-run"));
  if (modes > 1) {
    std::cerr << "llbitmap-repair: --check, --repair and --dry-run exclude each other\n";
    return kUsage;
  }
  const bool repair = vm.count("repair") > 0;
  if (!repair && (vm.count("yes") || vm.count("undo-file"))) {
    std::cerr << "llbitmap-repair: --yes and --undo-file go with --repair\n";
    return kUsage;
  }
  auto layout = parse_layout_choice(vm["layout"].as<std::string>());
  if (!layout) {
    std::cerr << "llbitmap-repair: --layout is '" << vm["layout"].as<std::string>()
              << "', expected upstream, rfc or auto\n";
    return kUsage;
  }
  RepairOptions ropts;
  ropts.force_lockless = vm.count("force-lockless") > 0;
  const auto members = vm["member"].as<std::vector<std::string>>();
  auto set = MemberSet::open(members, repair ? Access::ReadWriteExclusive : Access::ReadOnly, *layout);
  if (!set.ok()) {
    std::cerr << "llbitmap-repair: " << set.status().message() << "\n";
    // One device given twice, or devices of several arrays: a usage error, as e2fsck's 16.
    return set.status().code() == Code::InvalidArgument ? kUsage : kOperational;
  }
  RepairPlan plan = plan_repair(*set, ropts);
  print_plan(plan);
  if (plan.clean()) {
    std::cout << "clean: no problem found on " << set->size() << " member(s)\n";
    return kClean;
  }
  if (!repair || plan.changes.empty()) {
    if (vm.count("dry-run")) {
      for (const ByteChange& c : plan.changes) std::cout << "would write " << describe_change(*set, c) << "\n";
    }
    std::cout << plan.problems.size() << " problem(s), " << plan.unfixable()
              << " that repair cannot fix; " << plan.changes.size() << " byte range(s) to change"
              << (repair ? "" : " (nothing written; --repair fixes)") << "\n";
    return kUncorrected;
  }
  if (!vm.count("yes")) {
    if (!isatty(STDIN_FILENO)) {
      std::cerr << "llbitmap-repair: standard input is not a terminal: give --yes to repair "
                   "without asking\n";
      return kOperational;
    }
    std::cout << "Write " << plan.changes.size() << " change(s) to " << set->size()
              << " member(s)? [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      std::cout << "cancelled: nothing written\n";
      return kCancelled;
    }
  }
  if (vm.count("undo-file")) {
    auto log = make_undo_log(repair_targets(*set), plan.changes);
    Status st = log.ok() ? write_undo_file(vm["undo-file"].as<std::string>(), *log) : log.status();
    if (!st.ok()) {
      std::cerr << "llbitmap-repair: " << st.message() << "\nllbitmap-repair: nothing written\n";
      return kOperational;
    }
    std::cout << "undo file: " << vm["undo-file"].as<std::string>() << " ("
              << log->records.size() << " ranges)\n";
  }
  for (const ByteChange& c : plan.changes) std::cout << "writing " << describe_change(*set, c) << "\n";
  Status st = apply_changes(repair_targets(*set), plan.changes);
  if (!st.ok()) {
    std::cerr << "llbitmap-repair: " << st.message()
              << "\nllbitmap-repair: stopped part way; run it again to finish\n";
    return kOperational | kUncorrected;
  }
  // Check again, as e2fsck's second pass would.
  st = set->reload(*layout);
  if (!st.ok()) {
    std::cerr << "llbitmap-repair: re-reading after the repair: " << st.message() << "\n";
    return kOperational;
  }
  RepairPlan after = plan_repair(*set, ropts);
  if (!after.clean()) {
    std::cout << "after the repair:\n";
    print_plan(after);
    return kFixed | kUncorrected;
  }
  std::cout << "fixed: " << plan.problems.size() << " problem(s); the members are consistent now\n";
  return kFixed;
}
