#pragma once
// JSON rendering of an Examination, schema "llbitmap-examine" version 1 (docs/examine-json.md).

#include <string>

#include "libformat/ops/examine.h"
#include "libformat/report/json_writer.h"
#include "libformat/report/report.h"

namespace llb {

inline constexpr int kExamineJsonSchemaVersion = 1;

// The whole report as JSON text: one line (indent < 0) or indented.
std::string examination_json(const Examination& ex, const TextOptions& opts, int indent = -1);
// The same report into any writer (json_dom.h: into a document, with no text in between).
void write_examination(JsonWriter& w, const Examination& ex, const TextOptions& opts);

void write_md_superblock(JsonWriter& w, const LocatedMdSuperblock& md);
void write_bitmap_superblock(JsonWriter& w, const BitmapSuperblock& b);
void write_runs(JsonWriter& w, const std::vector<StateRun>& runs, KernelVersion v);
std::string runs_json(const std::vector<StateRun>& runs, KernelVersion v);

}  // namespace llb
