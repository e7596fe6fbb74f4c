#pragma once
// llbitmap-repair's engine: check the members of one array and plan, byte by byte, the changes
// that make their metadata consistent again, always in the direction of resyncing more rather
// than less. Planning never writes; apply_repair does, in an order where stopping after any
// write leaves an array the kernel assembles and that a second run finishes repairing.

#include <cstdint>
#include <string>
#include <vector>

#include "finding.h"
#include "member_set.h"
#include "undo_log.h"

namespace llb {

// One contiguous byte range on one member that the repair rewrites.
struct ByteChange {
  std::size_t member = 0;  // index into the MemberSet
  std::uint64_t offset_bytes = 0;
  std::vector<std::uint8_t> old_bytes;
  std::vector<std::uint8_t> new_bytes;
  std::string what;        // "state bytes, chunks 0-511", "bitmap superblock", ...
  int order = 0;           // write group: 0 state bytes, 1 filler, 2 bitmap sb, 3 md sb
};

struct Problem {
  Severity severity = Severity::Error;
  std::string code;     // the finding code, as examine prints it
  std::string message;  // names device, offset, field, value, expectation
  std::string fix;      // what the repair does about it; empty when it cannot fix it
};

struct RepairOptions {
  // Rebuild a bitmap superblock from the md superblock even when nothing on the members shows
  // it was a lockless bitmap (no peer with version 6, no version byte 6).
  bool force_lockless = false;
};

struct RepairPlan {
  std::vector<Problem> problems;      // errors and warnings found
  std::vector<std::string> notes;     // what is fine but worth knowing (first use, lagging, ...)
  std::vector<ByteChange> changes;    // what --repair writes, in order
  bool clean() const { return problems.empty(); }
  std::size_t unfixable() const;
};

RepairPlan plan_repair(MemberSet& set, const RepairOptions& options);

// The undo log for `changes`: the whole logical blocks each change touches, read from the devices.
Result<UndoLog> make_undo_log(MemberSet& set, const std::vector<ByteChange>& changes);

// Writes the changes in their order, flushing every member after each group.
Status apply_repair(MemberSet& set, const std::vector<ByteChange>& changes);

// "vdb.img: bytes 9216-9727 (state bytes, chunks 0-511): 02 x512 -> 03 x512"
std::string describe_change(const MemberSet& set, const ByteChange& c);

}  // namespace llb
