#pragma once
// Runs a trace against a simulated array: one operation after another, waiting for each unless
// it is async, recording a timeline, the event-log hash (two runs of one seed must agree), state
// snapshots at "dump" operations and exports.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/md/md_array.h"
#include "sim/workload/trace.h"

namespace llb::sim {

struct RunOptions {
  std::uint64_t seed = 1;
  KernelModel kernel = KernelModel::Upstream;
  std::string export_dir;        // with every "export" op writing there too, and at the end
  bool timeline = true;
  // Asked before each operation: true ends the run there (the crash explorer's budget).
  std::function<bool()> should_stop;
};

struct MemberState {
  std::string name;
  bool in_array = false;
  bool faulty = false;
  std::uint64_t md_events = 0;
  bool md_clean = true;
  std::uint64_t bitmap_events = 0;
  std::uint32_t bitmap_state = 0;
  std::uint32_t chunksize = 0;
  std::uint32_t daemon_sleep = 0;
  std::uint64_t sync_size = 0;
  std::vector<std::uint8_t> states;  // on-disk state bytes (durable)
};

struct Snapshot {
  std::string label;
  Tick at = 0;
  std::vector<MemberState> members;
  std::vector<std::uint64_t> memory_counts;  // the kernel's in-memory counts (sysfs bits)
};

struct RunResult {
  bool ok = true;
  std::string error;             // which op failed and why
  Tick end = 0;
  std::uint64_t event_hash = 0;
  std::uint64_t events = 0;
  std::vector<Snapshot> dumps;
  Snapshot final_state;
  std::vector<std::string> exported;
};

class TraceRunner {
 public:
  TraceRunner(const Trace& trace, const RunOptions& opts);
  RunResult run();
  MdArray& array() { return *array_; }
  // The on-disk state of every member now (durable view), decoded with libformat.
  Snapshot snapshot(const std::string& label) const;

 private:
  Trace trace_;
  RunOptions opts_;
  std::unique_ptr<MdArray> array_;
  Prng crash_prng_;
};

// "   12.345678  what"
std::string format_timeline(const std::vector<TimelineEntry>& t);

}  // namespace llb::sim
