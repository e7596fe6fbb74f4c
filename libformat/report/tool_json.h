#pragma once
// The writers' --json documents (docs/tools-json.md): one object per run of llbitmap-repair,
// llbitmap-undo or llbitmap-create, each with its schema's name and version, what the tool found or
// planned, what it wrote, and the exit status it returns; and the one error document every tool
// prints on standard output in --json mode when it stops on an error (the message also goes to
// standard error).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libformat/ops/create_array.h"
#include "libformat/ops/member_set.h"
#include "libformat/ops/repair.h"

namespace llb {

inline constexpr int kToolJsonSchemaVersion = 1;

struct RepairRun {
  std::string_view mode;              // "check", "dry-run" or "repair"
  bool written = false;               // the changes were applied
  std::string undo_file;              // empty: none
  const RepairPlan* after = nullptr;  // the second check, after a repair
  int exit_status = 0;
};
std::string repair_json(const MemberSet& set, const RepairPlan& plan, const RepairRun& run);

struct UndoRun {
  struct Range {
    std::string device;
    std::uint64_t first = 0, last = 0;  // bytes, inclusive
  };
  std::string undo_file;
  bool dry_run = false;
  std::vector<std::string> notes;
  std::vector<std::string> mismatches;  // ranges that do not hold what the writer left
  std::vector<Range> ranges;            // written (or, in a dry run, to write)
  bool restored = false;
  int exit_status = 0;
};
std::string undo_json(const UndoRun& run);

std::string create_json(const CreatePlan& plan, bool dry_run, bool written,
                        const std::string& undo_file, int exit_status);

std::string error_json(std::string_view schema, std::string_view message, int exit_status);

}  // namespace llb
