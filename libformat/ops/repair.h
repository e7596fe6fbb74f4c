#pragma once
// llbitmap-repair's engine: check the members of one array and plan, byte by byte, the changes
// that make their metadata consistent again, always in the direction of resyncing more rather
// than less. Planning never writes; apply_repair does, in an order where stopping after any
// write leaves an array the kernel assembles and that a second run finishes repairing.

#include <cstdint>
#include <string>
#include <vector>

#include "libformat/codec/finding.h"
#include "libformat/ops/member_set.h"
#include "libformat/codec/undo_log.h"
#include "libformat/ops/write_plan.h"

namespace llb {

// Repair's write groups (ByteChange::order): a bad-block log's page at its new place (unused
// space) before anything else, state bytes next, superblocks last.
enum RepairOrder : int {
  kOrderBadBlockLog = -1, kOrderStates = 0, kOrderFiller = 1, kOrderBitmapSb = 2, kOrderMdSb = 3
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

// The members as write targets (their md identity does not change in a repair).
std::vector<WriteTarget> repair_targets(MemberSet& set);

// "vdb.img: bytes 9216-9727 (state bytes, chunks 0-511): 02 x512 -> 03 x512"
std::string describe_change(const MemberSet& set, const ByteChange& c);

}  // namespace llb
