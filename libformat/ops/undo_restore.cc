#include "libformat/ops/undo_restore.h"

#include <algorithm>

#include "libformat/io/md_locate.h"

namespace llb {

Result<RestoreJob> RestoreJob::prepare(const UndoLog& log, const std::vector<std::string>& paths,
                                       bool dry_run) {
  RestoreJob job;
  job.log_ = &log;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    auto dev = open_device(paths[i], dry_run ? Access::ReadOnly : Access::ReadWriteExclusive);
    if (!dev.ok()) return dev.status();
    RestoreDevice d;
    d.path = paths[i];
    d.dev = std::move(dev).value();
    const UndoDevice& want = log.devices[i];
    if (d.dev->size_bytes() != want.size_bytes) {
      d.mismatches.push_back(str_cat("size is ", d.dev->size_bytes(),
                                     " bytes, the undo file's device had ", want.size_bytes));
    }
    job.devices_.push_back(std::move(d));
  }
  bool any_changed = false;
  for (const UndoRecord& r : log.records) {
    RestoreDevice& d = job.devices_[r.device];
    RecordState state = RecordState::Unknown;
    if (r.offset_bytes + r.bytes.size() <= d.dev->size_bytes()) {
      auto now = read_bytes(*d.dev, r.offset_bytes, r.bytes.size());
      if (!now.ok()) return now.status();
      const std::uint64_t h = fnv1a64(*now);
      if (*now == r.bytes) {
        state = RecordState::Restored;
      } else if (log.version < 2) {
        state = RecordState::Unknown;
      } else if (std::find(r.writer_hashes.begin(), r.writer_hashes.end(), h) !=
                 r.writer_hashes.end()) {
        state = RecordState::ToRestore;
      } else {
        state = RecordState::Changed;
        any_changed = true;
        d.mismatches.push_back(str_cat("bytes ", r.offset_bytes, "-",
                                       r.offset_bytes + r.bytes.size() - 1,
                                       " hold neither what the writer left nor what the file "
                                       "saved: they changed since"));
      }
    }
    job.states_.push_back(state);
  }
  // The md identity the writer left. Without a superblock the device may be restored already
  // (create's undo removes the one it wrote); only a version-1 file, which has no hashes to go by,
  // insists on one.
  if (log.version < 2) {
    job.notes_.push_back("this undo file (version 1) cannot tell whether a device changed since "
                         "the repair; only its size and md UUIDs are checked");
  }
  for (std::size_t i = 0; i < job.devices_.size(); ++i) {
    RestoreDevice& d = job.devices_[i];
    const UndoDevice& want = log.devices[i];
    // A device every range of which holds the saved bytes already has nothing to restore (a
    // writer killed before its first write, an undo run before): its identity does not matter.
    bool all_restored = log.version >= 2;
    for (std::size_t k = 0; k < log.records.size(); ++k) {
      if (log.records[k].device == i && job.states_[k] != RecordState::Restored) {
        all_restored = false;
      }
    }
    if (all_restored) continue;
    auto md = locate_md_superblock(*d.dev);
    if (!md.ok()) {
      if (log.version < 2) {
        d.mismatches.push_back("no md superblock to identify it (" + md.status().message() + ")");
      }
    } else if (md->sb.set_uuid != want.array_uuid) {
      d.mismatches.push_back(str_cat("array UUID is ", uuid_colon(md->sb.set_uuid),
                                     ", the undo file's is ", uuid_colon(want.array_uuid)));
    } else if (md->sb.device_uuid != want.device_uuid) {
      d.mismatches.push_back(str_cat("device UUID is ", uuid_colon(md->sb.device_uuid),
                                     ", the undo file's is ", uuid_colon(want.device_uuid)));
    }
  }
  if (log.version >= 2 && !any_changed) {
    std::size_t restored = 0;
    for (RecordState s : job.states_) restored += s == RecordState::Restored ? 1 : 0;
    if (restored && restored < job.states_.size()) {
      job.notes_.push_back(str_cat(restored, " of ", job.states_.size(),
                                   " ranges are restored already (an interrupted undo): the "
                                   "rest are restored now"));
    }
  }
  return job;
}

std::vector<std::string> RestoreJob::mismatches() const {
  std::vector<std::string> out;
  for (const RestoreDevice& d : devices_) {
    for (const std::string& m : d.mismatches) out.push_back(d.path + ": " + m);
  }
  return out;
}

Status RestoreJob::run(const std::function<void(const UndoRecord&, const std::string&)>& on_record) {
  for (std::size_t k = 0; k < log_->records.size(); ++k) {
    const UndoRecord& r = log_->records[k];
    if (states_[k] == RecordState::Restored) continue;
    RestoreDevice& d = devices_[r.device];
    if (on_record) on_record(r, d.path);
    LLB_RETURN_IF_ERROR(d.dev->write_at(r.offset_bytes, r.bytes));
  }
  for (RestoreDevice& d : devices_) {
    if (d.dev->writable()) LLB_RETURN_IF_ERROR(d.dev->flush());
  }
  return Status();
}

}  // namespace llb
