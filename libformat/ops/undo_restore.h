#pragma once
// llbitmap-undo's engine: put back what a writer's undo file saved. Before writing, every device
// is checked to be the one the file names, still holding what the writer left: a record's range
// must hash to what the writer wrote (to be restored) or to what the file saved (already restored
// by an earlier, interrupted undo). A device that changed since is refused unless forced, and
// every difference is named. Records never overlap, so a kill between two of them leaves each
// range either restored or not, and a re-run finishes the job.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "libformat/io/block_device.h"
#include "libformat/codec/undo_log.h"

namespace llb {

enum class RecordState { ToRestore, Restored, Changed, Unknown };

struct RestoreDevice {
  std::string path;
  std::unique_ptr<BlockDevice> dev;
  std::vector<std::string> mismatches;  // why this may not be the device the writer left
};

class RestoreJob {
 public:
  // Opens the devices (read-only for a dry run, exclusively otherwise) and checks them. Fails only
  // when a device cannot be opened or read; mismatches are reported through mismatches().
  static Result<RestoreJob> prepare(const UndoLog& log, const std::vector<std::string>& paths,
                                    bool dry_run);
  std::vector<std::string> mismatches() const;  // every device's, prefixed with its path
  std::vector<std::string> notes() const { return notes_; }
  const std::vector<RecordState>& record_states() const { return states_; }
  // Writes every record that is not restored yet, then flushes every device.
  Status run(const std::function<void(const UndoRecord&, const std::string&)>& on_record);

 private:
  const UndoLog* log_ = nullptr;
  std::vector<RestoreDevice> devices_;
  std::vector<RecordState> states_;
  std::vector<std::string> notes_;
};

}  // namespace llb
