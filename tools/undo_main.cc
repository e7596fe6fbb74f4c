// llbitmap-undo: put back what llbitmap-repair or llbitmap-create overwrote, from its undo file.

#include <iostream>

#include "libformat/io/undo_file.h"
#include "libformat/ops/undo_restore.h"
#include "libformat/report/tool_json.h"
#include "tools/cli.h"

namespace po = boost::program_options;
using namespace llb;

namespace {
enum Exit { kOk = 0, kRefused = 2, kIoError = 4, kUsage = 8 };
}

int main(int argc, char** argv) {
  cli::Command cmd({
      "llbitmap-undo",
      "Usage: llbitmap-undo [options] UNDO-FILE [DEVICE...]",
      "Writes back the blocks llbitmap-repair -z or llbitmap-create -z saved in UNDO-FILE. The\n"
      "devices are the ones the file names, or DEVICE... in the same order. Every range must still\n"
      "hold what the writer left (or be restored already, after an interrupted undo); a device\n"
      "that changed since, or whose size differs, is refused unless --force.",
      {{kOk, "restored"},
       {kRefused, "refused: another device, a device changed since, or a damaged undo file"},
       {kIoError, "a device could not be opened (busy included) or written"},
       {kUsage, "usage"}},
      kUsage});
  cmd.add()
      ("force,f", "write even to a device that does not match the undo file")
      ("dry-run,n", "say what would be written, write nothing")
      ("json", "print one JSON document (schema llbitmap-undo, version 1; docs/tools-json.md)");
  cmd.add_hidden()("file", po::value<std::string>())("device", po::value<std::vector<std::string>>());
  cmd.add_quiet();
  cmd.positional("file", 1);
  cmd.positional("device", -1);
  if (auto done = cmd.parse(argc, argv)) return *done;
  if (!cmd.has("file")) return cmd.usage_error("no undo file given");
  auto log = read_undo_file(cmd.get<std::string>("file"));
  if (!log.ok()) return cmd.fail(log.status(), cli::is_device_failure(log.status()) ? kIoError : kRefused);
  std::vector<std::string> paths;
  for (const auto& d : log->devices) paths.push_back(d.path);
  if (cmd.has("device")) {
    auto given = cmd.get<std::vector<std::string>>("device");
    if (given.size() != paths.size()) {
      return cmd.usage_error(str_cat("the undo file holds ", paths.size(), " device(s), ",
                                     given.size(), " given"));
    }
    paths = given;
  }
  const bool force = cmd.has("force");
  const bool dry = cmd.has("dry-run");
  const bool json = cmd.has("json");
  auto job = RestoreJob::prepare(*log, paths, dry);
  if (!job.ok()) return cmd.fail(job.status(), cli::is_device_failure(job.status()) ? kIoError : kRefused);
  UndoRun run;
  run.undo_file = cmd.get<std::string>("file");
  run.dry_run = dry;
  run.notes = job->notes();
  run.mismatches = job->mismatches();
  if (!json) {
    for (const std::string& n : run.notes) std::cout << "note: " << n << "\n";
  }
  for (const std::string& m : run.mismatches) {
    std::cerr << "llbitmap-undo: " << m << (force ? " (--force: writing anyway)\n" : "\n");
  }
  if (!run.mismatches.empty() && !force) {
    if (json) {
      run.exit_status = kRefused;
      std::cout << undo_json(run) << "\n";
    }
    std::cerr << "llbitmap-undo: refused: the devices are not as the writer left them (--force "
                 "overrides); nothing written\n";
    return kRefused;
  }
  auto say = [&](const UndoRecord& r, const std::string& path) {
    run.ranges.push_back({path, r.offset_bytes, r.offset_bytes + r.bytes.size() - 1});
    if (!json) {
      std::cout << (dry ? "would restore " : "restoring ") << path << ": bytes " << r.offset_bytes
                << "-" << r.offset_bytes + r.bytes.size() - 1 << "\n";
    }
  };
  if (dry) {
    for (std::size_t k = 0; k < log->records.size(); ++k) {
      if (job->record_states()[k] != RecordState::Restored) {
        say(log->records[k], paths[log->records[k].device]);
      }
    }
    std::cout << (json ? undo_json(run) + "\n" : "dry run: nothing written\n");
    return kOk;
  }
  if (Status st = job->run(say); !st.ok()) {
    return cmd.fail(st.message() + "\nllbitmap-undo: run it again to finish", kIoError);
  }
  run.restored = true;
  std::cout << (json ? undo_json(run) + "\n" : "restored\n");
  return kOk;
}
