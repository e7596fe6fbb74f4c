#pragma once
// JSON rendering of an Examination, schema "llbitmap-examine" version 1 (docs/examine-json.md).

#include "examine.h"
#include "json.h"
#include "report.h"

namespace llb {

inline constexpr int kExamineJsonSchemaVersion = 1;

Json examination_to_json(const Examination& ex, const TextOptions& opts);
Json md_superblock_to_json(const LocatedMdSuperblock& md);
Json bitmap_superblock_to_json(const BitmapSuperblock& b);
Json runs_to_json(const std::vector<StateRun>& runs, KernelVersion v);

}  // namespace llb
