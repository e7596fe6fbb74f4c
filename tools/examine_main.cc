// llbitmap-examine: print what mdadm -E/-X would, and what it cannot: the lockless bitmap's
// states, and what the kernel will do with them at the next assembly. Read-only.

#include <iostream>

#include "libformat/discover.h"
#include "libformat/examine.h"
#include "libformat/report.h"
#include "libformat/report_json.h"
#include "tools/cli_common.h"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  po::options_description visible(
      "Usage: llbitmap-examine [options] DEVICE...\n"
      "       llbitmap-examine --scan [options]\n"
      "Reads md v1.x members (block devices or image files) and prints the md superblock,\n"
      "the bitmap superblock and the llbitmap state bytes. Never writes.\n\n"
      "Exit status (bits, OR-ed over devices): 0 clean, 1 resync needed or warnings,\n"
      "2 unusable metadata, 4 a device could not be read, 8 usage error.\n\nOptions");
  visible.add_options()
      ("help,h", "show this help")
      ("version", "show the version")
      ("scan", "examine every block device that libblkid calls linux_raid_member")
      ("json", "print JSON (schema llbitmap-examine, version 1; see docs/examine-json.md)")
      ("export", "print KEY=VALUE lines, like blkid -o export")
      ("chunks", "list every chunk instead of runs of equal states")
      ("layout", po::value<std::string>()->default_value("auto"),
       "state-byte layout: upstream (+1024, Linux 7.2), rfc (+4096, Jan 2025 RFC), or auto");
  po::options_description hidden;
  hidden.add_options()("device", po::value<std::vector<std::string>>(), "devices");
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description pos;
  pos.add("device", -1);
  po::variables_map vm;
  if (!llb::cli::parse(argc, argv, visible, all, pos, vm, "llbitmap-examine")) {
    return llb::kExamineUsage;
  }
  if (vm.count("help")) {
    std::cout << visible;
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "llbitmap-examine " << LLB_VERSION << "\n";
    return 0;
  }
  auto layout = llb::parse_layout_choice(vm["layout"].as<std::string>());
  if (!layout) {
    std::cerr << "llbitmap-examine: --layout is '" << vm["layout"].as<std::string>()
              << "', expected upstream, rfc or auto\n";
    return llb::kExamineUsage;
  }
  std::vector<std::string> devices;
  if (vm.count("device")) devices = vm["device"].as<std::vector<std::string>>();
  if (vm.count("scan")) {
    for (auto& d : llb::scan_raid_members()) devices.push_back(d);
    if (devices.empty()) {
      std::cerr << "llbitmap-examine: --scan found no linux_raid_member devices\n";
      return llb::kExamineUnreadable;
    }
  }
  if (devices.empty()) {
    std::cerr << "llbitmap-examine: no device given (give DEVICE... or --scan)\n" << visible;
    return llb::kExamineUsage;
  }
  if (vm.count("json") && vm.count("export")) {
    std::cerr << "llbitmap-examine: --json and --export exclude each other\n";
    return llb::kExamineUsage;
  }
  llb::TextOptions opts;
  opts.every_chunk = vm.count("chunks") > 0;
  llb::Examination ex = llb::examine_paths(devices, *layout);
  if (vm.count("json")) {
    std::cout << llb::examination_json(ex, opts, 2) << "\n";
  } else if (vm.count("export")) {
    std::cout << llb::render_export(ex);
  } else {
    std::cout << llb::render_text(ex, opts);
  }
  return ex.exit_status;
}
