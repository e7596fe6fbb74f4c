#pragma once
// llbitmap-create's engine: make new RAID1 members with an llbitmap as `mdadm --create
// --bitmap=lockless` leaves them, or add mdadm's llbitmap placeholder to existing v1.2 members.
// Planning decides everything and writes nothing; preparing creates missing image files and opens
// the members exclusively; applying writes through the shared undo-logged write path, in an order
// where a kill between any two writes leaves each member either without an md superblock or with
// a valid one (superblocks are written last), and llbitmap-undo puts back what was there.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libformat/codec/create.h"
#include "libformat/io/uuid.h"
#include "libformat/ops/write_plan.h"

namespace llb {

enum class CreateMode { NewMembers, AddBitmap };

struct CreateRequest {
  CreateMode mode = CreateMode::NewMembers;
  std::vector<std::string> paths;
  std::optional<std::uint64_t> size_bytes;  // new image files: their size
  KernelVersion layout = KernelVersion::Upstream;
  bool assume_clean = false;
  std::optional<Uuid> array_uuid;           // default: random
  std::string name = "llbitmap:0";
  bool force = false;                       // overwrite devices that hold a signature
  std::uint64_t ctime_seconds = 0;
};

struct CreatePlan {
  CreateRequest request;
  ArraySpec spec;                          // NewMembers: the array written
  std::vector<Uuid> device_uuids;          // one per path
  std::vector<bool> make_file;             // image files that do not exist yet
  std::vector<std::string> lines;          // what will be written, for people
};

// Decides what to write. InvalidArgument: the request itself is wrong (usage); any other code:
// a device refused, with the device, field, value and expectation named.
Result<CreatePlan> plan_create(const CreateRequest& request);

// The plan's members, opened for writing, with the byte changes that make them.
class CreateJob {
 public:
  // Creates the missing image files (sparse) and opens every member exclusively. A failure
  // removes the files this call created.
  static Result<CreateJob> prepare(const CreatePlan& plan);
  CreateJob(CreateJob&&) = default;
  CreateJob& operator=(CreateJob&&) = default;
  ~CreateJob();

  const std::vector<ByteChange>& changes() const { return changes_; }
  const std::vector<WriteTarget>& targets() const { return targets_; }
  // Writes the undo file (unless `undo_path` is empty), then the changes. A failure before the
  // first write removes the image files prepare() created.
  Status run(const std::string& undo_path);

 private:
  CreateJob() = default;
  Status plan_changes(const CreatePlan& plan);
  void remove_created_files();

  std::vector<std::unique_ptr<BlockDevice>> devices_;
  std::vector<WriteTarget> targets_;
  std::vector<ByteChange> changes_;
  std::vector<std::string> created_;  // image files this job made, removed if it fails early
  bool keep_files_ = false;
};

}  // namespace llb
