// llbitmap-undo: put back what llbitmap-repair or llbitmap-create overwrote, from its undo file.

#include <iostream>

#include "libformat/undo_restore.h"
#include "tools/cli_common.h"

namespace po = boost::program_options;
using namespace llb;

namespace {
enum Exit { kOk = 0, kRefused = 2, kIoError = 4, kUsage = 8 };
}

int main(int argc, char** argv) {
  po::options_description visible(
      "Usage: llbitmap-undo [options] UNDO-FILE [DEVICE...]\n"
      "Writes back the blocks llbitmap-repair -z or llbitmap-create -z saved in UNDO-FILE. The\n"
      "devices are the ones the file names, or DEVICE... in the same order. Every range must still\n"
      "hold what the writer left (or be restored already, after an interrupted undo); a device\n"
      "that changed since, or whose size differs, is refused unless --force.\n\n"
      "Exit status: 0 restored, 2 refused (another device, a device changed since, or a damaged\n"
      "undo file), 4 a device could not be opened (busy included) or written, 8 usage.\n\nOptions");
  visible.add_options()
      ("help,h", "show this help")
      ("version", "show the version")
      ("force,f", "write even to a device that does not match the undo file")
      ("dry-run,n", "say what would be written, write nothing");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::string>())(
      "device", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description pos;
  pos.add("file", 1).add("device", -1);
  po::variables_map vm;
  if (!cli::parse(argc, argv, visible, all, pos, vm, "llbitmap-undo")) return kUsage;
  if (vm.count("help")) {
    std::cout << visible;
    return kOk;
  }
  if (vm.count("version")) {
    std::cout << "llbitmap-undo " << LLB_VERSION << "\n";
    return kOk;
  }
  if (!vm.count("file")) {
    std::cerr << "llbitmap-undo: no undo file given\n" << visible;
    return kUsage;
  }
  auto log = read_undo_file(vm["file"].as<std::string>());
  if (!log.ok()) {
    std::cerr << "llbitmap-undo: " << log.status().message() << "\n";
    return cli::is_device_failure(log.status()) ? kIoError : kRefused;
  }
  std::vector<std::string> paths;
  for (const auto& d : log->devices) paths.push_back(d.path);
  if (vm.count("device")) {
    auto given = vm["device"].as<std::vector<std::string>>();
    if (given.size() != paths.size()) {
      std::cerr << "llbitmap-undo: the undo file holds " << paths.size() << " device(s), "
                << given.size() << " given\n";
      return kUsage;
    }
    paths = given;
  }
  const bool force = vm.count("force") > 0;
  const bool dry = vm.count("dry-run") > 0;
  auto job = RestoreJob::prepare(*log, paths, dry);
  if (!job.ok()) {
    std::cerr << "llbitmap-undo: " << job.status().message() << "\n";
    return cli::is_device_failure(job.status()) ? kIoError : kRefused;
  }
  for (const std::string& n : job->notes()) std::cout << "note: " << n << "\n";
  const auto mismatches = job->mismatches();
  for (const std::string& m : mismatches) {
    std::cerr << "llbitmap-undo: " << m << (force ? " (--force: writing anyway)\n" : "\n");
  }
  if (!mismatches.empty() && !force) {
    std::cerr << "llbitmap-undo: refused: the devices are not as the writer left them "
                 "(--force overrides); nothing written\n";
    return kRefused;
  }
  auto say = [&](const UndoRecord& r, const std::string& path) {
    std::cout << (dry ? "would restore " : "restoring ") << path << ": bytes " << r.offset_bytes
              << "-" << r.offset_bytes + r.bytes.size() - 1 << "\n";
  };
  if (dry) {
    for (std::size_t k = 0; k < log->records.size(); ++k) {
      if (job->record_states()[k] != RecordState::Restored) {
        say(log->records[k], paths[log->records[k].device]);
      }
    }
    std::cout << "dry run: nothing written\n";
    return kOk;
  }
  if (Status st = job->run(say); !st.ok()) {
    std::cerr << "llbitmap-undo: " << st.message() << "\nllbitmap-undo: run it again to finish\n";
    return kIoError;
  }
  std::cout << "restored\n";
  return kOk;
}
