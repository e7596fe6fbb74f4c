// llbitmap-examine: print what mdadm -E/-X would, and what it cannot: the lockless bitmap's
// states, and what the kernel will do with them at the next assembly. Read-only.

#include <iostream>

#include "libformat/io/discover.h"
#include "libformat/ops/examine.h"
#include "libformat/report/report.h"
#include "libformat/report/report_json.h"
#include "tools/cli.h"

namespace po = boost::program_options;
using namespace llb;

int main(int argc, char** argv) {
  cli::Command cmd({
      "llbitmap-examine",
      "Usage: llbitmap-examine [options] DEVICE...\n"
      "       llbitmap-examine --scan [options]",
      "Reads md v1.x members (block devices or image files) and prints the md superblock,\n"
      "the bitmap superblock and the llbitmap state bytes, and what the kernel will do with them\n"
      "at the next assembly. Never writes.",
      {{kExamineClean, "clean: nothing to resync, no warnings"},
       {kExamineAttention, "a resync or recovery is needed, or warnings"},
       {kExamineUnusable, "unusable metadata (the kernel would refuse it), or two devices claim one member"},
       {kExamineUnreadable, "a device could not be opened or read"},
       {kExamineUsage, "usage error (one device given twice included)"}},
      kExamineUsage,
      true});
  cmd.add()
      ("scan", "examine every block device that libblkid calls linux_raid_member")
      ("json", "print JSON (schema llbitmap-examine, version 1; see docs/examine-json.md)")
      ("export", "print KEY=VALUE lines, like blkid -o export")
      ("chunks", "list every chunk instead of runs of equal states")
      ("layout", po::value<std::string>()->default_value("auto"),
       "state-byte layout: upstream (+1024, Linux 7.2), rfc (+4096, Jan 2025 RFC), or auto");
  cmd.add_hidden()("device", po::value<std::vector<std::string>>(), "devices");
  cmd.add_quiet();
  cmd.positional("device", -1);
  if (auto done = cmd.parse(argc, argv)) return *done;
  const auto layout = parse_layout_choice(cmd.get<std::string>("layout"));
  if (!layout) {
    return cmd.usage_error("--layout is '" + cmd.get<std::string>("layout") +
                           "', expected upstream, rfc or auto");
  }
  std::vector<std::string> devices;
  if (cmd.has("device")) devices = cmd.get<std::vector<std::string>>("device");
  if (cmd.has("scan")) {
    for (auto& d : scan_raid_members()) devices.push_back(d);
    if (devices.empty()) return cmd.fail("--scan found no linux_raid_member devices", kExamineUnreadable);
  }
  if (devices.empty()) return cmd.usage_error("no device given (give DEVICE... or --scan)");
  if (cmd.has("json") && cmd.has("export")) return cmd.usage_error("--json and --export exclude each other");
  TextOptions opts;
  opts.every_chunk = cmd.has("chunks");
  const Examination ex = examine_paths(devices, *layout);
  if (cmd.has("json")) {
    std::cout << examination_json(ex, opts, 2) << "\n";
  } else if (cmd.has("export")) {
    std::cout << render_export(ex);
  } else {
    std::cout << render_text(ex, opts);
  }
  return ex.exit_status;
}
