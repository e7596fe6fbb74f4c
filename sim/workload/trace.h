#pragma once
// The simulator's trace format, "llbitmap-sim-trace" version 1 (docs/sim-trace.md): the array,
// the disks, the knobs, and a list of operations (user I/O with data patterns, faults, crash,
// stop, assemble, member failure and re-add, discard, waits, knob changes, exports).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libformat/codec/llbitmap_state.h"
#include "libformat/codec/status.h"
#include "sim/md/md_array.h"

namespace llb::sim {

inline constexpr int kTraceVersion = 1;

enum class OpKind {
  Create, Assemble, WaitSync, Write, Read, Discard, Flush, Wait, WaitIo, Set, Fail, Remove, Readd,
  IoError, Stop, Poweroff, Crash, Export, Dump, MediaError, BadBlock
};
std::string_view op_name(OpKind k);

enum class CrashFate { Lost, Landed, Torn, Random };

struct TraceOp {
  OpKind kind = OpKind::Wait;
  std::uint64_t offset_bytes = 0;    // write, read, discard
  std::uint64_t length_bytes = 0;
  std::uint64_t pattern = 0;         // write: data pattern (0: one per write)
  bool fua = false;
  bool async = false;                // do not wait for completion
  std::uint32_t depth = 0;           // async I/O: first wait until fewer than this are in flight
  bool until = false;                // wait: `duration` is a time since the boot's first such wait
  bool assume_clean = false;         // create
  std::uint32_t offered = ~0u;       // assemble: bit m set when member m is given to mdadm
  Tick duration = 0;                 // wait
  Tick timeout = 0;                  // wait_sync (0: default)
  std::string knob;                  // set
  std::uint64_t value = 0;
  std::uint32_t member = 0;          // fail, remove, readd, io_error, media_error, bad_block
  std::uint64_t sector = 0;          // bad_block: absolute member sectors, as sysfs takes them
  std::uint64_t sectors = 0;
  std::uint32_t count = 1;           // io_error
  bool read_errors = false;          // io_error kind
  CrashFate inflight = CrashFate::Lost;  // crash
  CrashFate cached = CrashFate::Lost;
  std::string dir;                   // export
  std::string label;                 // export, dump
};

struct Trace {
  std::string name;
  std::string description;
  std::optional<std::uint64_t> seed;
  std::optional<KernelModel> kernel;
  ArrayConfig array;
  std::vector<TraceOp> ops;
};

// Why the simulator cannot take an array of this shape, or nothing when it can. The rules a
// trace's "array" follows, and every other way of making a workload (a seed, an import):
// 2 to 8 members; a member size that is a multiple of 4 KiB, holds the data offset and at least
// one 64 KiB chunk, and is at most 1 TiB.
struct ShapeProblem {
  std::string field;     // "members" or "member_size"
  std::string value;
  std::string expected;
};
// A label fit to start a file name inside a directory: letters, digits, '.', '_', '-', not
// starting with '.' (so never "..", never a path).
bool safe_file_label(const std::string& label);

std::optional<ShapeProblem> array_shape_problem(std::uint64_t members, std::uint64_t member_size_bytes,
                                                std::uint64_t data_offset_sectors = 2048);
// The members' logical block size: 512 or 4096, what the kernel models and the harness runs.
std::optional<ShapeProblem> logical_block_size_problem(std::uint64_t bytes);

// Parses and validates a trace; errors name the file, the op index and the field.
Result<Trace> parse_trace(const std::string& json_text, const std::string& source);
Result<Trace> load_trace(const std::string& path);  // "-": standard input
// The whole of a file, or of standard input when path is "-"; `what` names it in errors.
Result<std::string> read_input(const std::string& path, std::string_view what);
// "4K" -> 4096, "1M", "127M-4K" is not supported: plain numbers and one suffix (K, M, G, T).
std::optional<std::uint64_t> parse_size(const std::string& s);
// Back to JSON (for traces generated from a seed, so every run can be replayed).
std::string trace_to_json(const Trace& t);

}  // namespace llb::sim
