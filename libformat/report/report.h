#pragma once
// Renderings of an Examination: the text people read, KEY=VALUE lines for shell scripts (like
// `blkid -o export`). JSON has its own header (report_json.h) so nlohmann stays out of the rest.

#include <string>

#include "libformat/ops/examine.h"

namespace llb {

struct TextOptions {
  bool every_chunk = false;  // --chunks: one line per chunk instead of runs
};

std::string render_text(const Examination& ex, const TextOptions& opts);
std::string render_export(const Examination& ex);
// A value as `blkid -o export` prints it (util-linux's safe_print): "M-" for bytes of 128 and up,
// "^X" for control bytes, a backslash before space \ " ' $ ` < >; anything else as it is.
std::string blkid_export_escape(const std::string& v);

// "64 KiB", "127 MiB", "9 GiB", "1.50 GiB": exact IEC units where they divide evenly.
std::string format_iec(std::uint64_t bytes);
// "0-511" or "640"
std::string format_range(std::uint64_t first, std::uint64_t last);
// "0-511, 640, 2031", and ", ... (N more runs)" after max_items runs.
std::string runs_summary(const std::vector<StateRun>& runs, std::size_t max_items);
std::string state_byte_label(std::uint8_t byte, KernelVersion v);  // "dirty", "invalid(0x2a)"

}  // namespace llb
