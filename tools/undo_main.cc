// llbitmap-undo: put back what llbitmap-repair overwrote, from its undo file.

#include <iostream>

#include "libformat/block_device.h"
#include "libformat/md_locate.h"
#include "libformat/undo_log.h"
#include "tools/cli_common.h"

namespace po = boost::program_options;
using namespace llb;

namespace {
enum Exit { kOk = 0, kRefused = 2, kIoError = 4, kUsage = 8 };
}

int main(int argc, char** argv) {
  po::options_description visible(
      "Usage: llbitmap-undo [options] UNDO-FILE [DEVICE...]\n"
      "Writes back the sectors llbitmap-repair saved in UNDO-FILE. The devices are the ones the\n"
      "file names, or DEVICE... in the same order. A device whose size, array UUID or device\n"
      "UUID differs from the file's is refused unless --force.\n\n"
      "Exit status: 0 restored, 2 refused (another device or array, or a damaged undo file),\n"
      "4 a device could not be opened (busy included) or written, 8 usage.\n\nOptions");
  visible.add_options()
      ("help,h", "show this help")
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
  if (!vm.count("file")) {
    std::cerr << "llbitmap-undo: no undo file given\n" << visible;
    return kUsage;
  }
  auto log = read_undo_file(vm["file"].as<std::string>());
  if (!log.ok()) {
    std::cerr << "llbitmap-undo: " << log.status().message() << "\n";
    return log.status().code() == Code::NotFound ? kIoError : kRefused;
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
  std::vector<std::unique_ptr<BlockDevice>> devs;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    auto dev = open_device(paths[i], dry ? Access::ReadOnly : Access::ReadWriteExclusive);
    if (!dev.ok()) {
      std::cerr << "llbitmap-undo: " << dev.status().message() << "\n";
      return kIoError;
    }
    const UndoDevice& want = log->devices[i];
    std::string mismatch;
    if ((*dev)->size_bytes() != want.size_bytes) {
      mismatch = str_cat("size is ", (*dev)->size_bytes(), " bytes, the undo file's device had ",
                         want.size_bytes);
    } else {
      auto md = locate_md_superblock(**dev);
      if (!md.ok()) {
        mismatch = "no md superblock to identify it (" + md.status().message() + ")";
      } else if (md->sb.set_uuid != want.array_uuid) {
        mismatch = str_cat("array UUID is ", uuid_colon(md->sb.set_uuid), ", the undo file's is ",
                           uuid_colon(want.array_uuid));
      } else if (md->sb.device_uuid != want.device_uuid) {
        mismatch = str_cat("device UUID is ", uuid_colon(md->sb.device_uuid),
                           ", the undo file's is ", uuid_colon(want.device_uuid));
      }
    }
    if (!mismatch.empty()) {
      std::cerr << "llbitmap-undo: " << paths[i] << ": " << mismatch
                << (force ? " (--force: writing anyway)\n" : "; refused (--force overrides)\n");
      if (!force) return kRefused;
    }
    devs.push_back(std::move(dev).value());
  }
  // Later records may cover the same blocks as earlier ones; the earliest holds the oldest bytes,
  // so write them last.
  for (auto it = log->records.rbegin(); it != log->records.rend(); ++it) {
    std::cout << (dry ? "would restore " : "restoring ") << paths[it->device] << ": bytes "
              << it->offset_bytes << "-" << it->offset_bytes + it->bytes.size() - 1 << "\n";
    if (dry) continue;
    Status st = devs[it->device]->write_at(it->offset_bytes, it->bytes);
    if (!st.ok()) {
      std::cerr << "llbitmap-undo: " << st.message() << "\n";
      return kIoError;
    }
  }
  for (auto& d : devs) {
    if (dry) break;
    Status st = d->flush();
    if (!st.ok()) {
      std::cerr << "llbitmap-undo: " << st.message() << "\n";
      return kIoError;
    }
  }
  std::cout << (dry ? "dry run: nothing written\n" : "restored\n");
  return kOk;
}
