// The translation of traces into real-kernel harness scenarios (sim/workload/harness_script.h):
// the commands each op becomes, the split into boots at a crash, and the simulator's copy of the
// trace that exports the members at the moments the harness takes its images.

#include "sim/workload/harness_script.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sim/workload/random_workload.h"
#include "sim/workload/runner.h"

namespace llb::sim {
namespace {

Trace parse(const std::string& ops, const std::string& array = R"({"members": 2, "member_size": "64M"})") {
  auto t = parse_trace(R"({"format": "llbitmap-sim-trace", "version": 1, "name": "t", "array": )" +
                           array + R"(, "ops": )" + ops + "}",
                       "test");
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return t.ok() ? *t : Trace{};
}

bool has_line(const std::string& script, const std::string& line) {
  return ("\n" + script).find("\n" + line + "\n") != std::string::npos;
}

TEST(HarnessScript, EachOpBecomesTheCommandAUserWouldRun) {
  const Trace t = parse(R"([{"op": "create"}, {"op": "wait_sync"},
    {"op": "set", "knob": "daemon_sleep", "value": 1},
    {"op": "set", "knob": "safe_mode_delay_ms", "value": 60000},
    {"op": "write", "offset": "1M", "length": "64K"},
    {"op": "write", "offset": 4096, "length": 4096, "async": true},
    {"op": "discard", "offset": "2M", "length": "128K"},
    {"op": "flush"}, {"op": "wait", "ms": 250}, {"op": "wait_io"},
    {"op": "fail", "member": "vdb"}, {"op": "remove", "member": 1}, {"op": "readd", "member": 1},
    {"op": "wait_sync"}, {"op": "stop"}])");
  auto s = harness_scenarios(t, "x");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  ASSERT_EQ(s->size(), 1u);
  const std::string& sc = (*s)[0].script;
  EXPECT_EQ((*s)[0].name, "x-b1");
  EXPECT_TRUE(has_line(sc, "# DISKS=2"));
  EXPECT_TRUE(has_line(sc, "# SIZE=67108864"));
  EXPECT_TRUE(has_line(sc, "mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 "
                           "--bitmap=lockless /dev/vda /dev/vdb"));
  EXPECT_TRUE(has_line(sc, "waitsync"));
  EXPECT_TRUE(has_line(sc, "echo 1 > /sys/block/md0/md/llbitmap/daemon_sleep"));
  EXPECT_TRUE(has_line(sc, "echo 60 > /sys/block/md0/md/safe_mode_delay"));
  // One request of the op's length at its byte offset, as the simulator issues it.
  EXPECT_TRUE(has_line(sc, "dd if=/dev/urandom of=/dev/md0 bs=65536 count=1 seek=1048576 "
                           "iflag=fullblock oflag=direct,seek_bytes conv=notrunc status=none"));
  // An async op runs as a job that marks its own end (llb_mark INDEX).
  EXPECT_TRUE(has_line(sc, "{ dd if=/dev/urandom of=/dev/md0 bs=4096 count=1 seek=4096 "
                           "iflag=fullblock oflag=direct,seek_bytes conv=notrunc status=none; "
                           "llb_mark 5; } &"));
  EXPECT_TRUE(has_line(sc, "blkdiscard -o 2097152 -l 131072 /dev/md0"));
  EXPECT_TRUE(has_line(sc, "sync /dev/md0"));
  EXPECT_TRUE(has_line(sc, "sleep 0.25"));
  EXPECT_TRUE(has_line(sc, "wait"));
  EXPECT_TRUE(has_line(sc, "mdadm /dev/md0 --fail /dev/vdb"));
  EXPECT_TRUE(has_line(sc, "mdadm /dev/md0 --remove /dev/vdb"));
  EXPECT_TRUE(has_line(sc, "mdadm /dev/md0 --re-add /dev/vdb"));
  EXPECT_TRUE(has_line(sc, "mdadm --stop /dev/md0"));
  // The boot ends with a crash, so its images are what the members held on disk.
  EXPECT_EQ(sc.substr(sc.size() - 6), "crash\n");
}

TEST(HarnessScript, ACrashEndsABootAndTheNextStartsFromItsImages) {
  const Trace t = parse(R"([{"op": "create", "assume_clean": true},
    {"op": "write", "offset": 0, "length": 4096, "async": true}, {"op": "crash"},
    {"op": "assemble", "members": ["vda"]}, {"op": "wait_sync"}])");
  auto s = harness_scenarios(t, "y");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  ASSERT_EQ(s->size(), 2u);
  const std::string& b1 = (*s)[0].script;
  EXPECT_NE(b1.find("--assume-clean"), std::string::npos);
  // The guest cannot crash within an I/O: it waits for what is in flight first.
  EXPECT_NE(b1.find("; } &\nwait\nllb_mark 3\ncrash\n"), std::string::npos) << b1;
  const std::string& b2 = (*s)[1].script;
  EXPECT_EQ((*s)[1].name, "y-b2");
  EXPECT_TRUE(has_line(b2, "# FROM=y-b1"));
  EXPECT_TRUE(has_line(b2, "mdadm --assemble /dev/md0 --run /dev/vda"));
  EXPECT_EQ(b2.find("--create"), std::string::npos);
}

TEST(HarnessScript, TheSimulatorExportsTheSameMomentsAndRunsThem) {
  const Trace t = parse(R"([{"op": "create"}, {"op": "wait_sync"},
    {"op": "write", "offset": 0, "length": 65536, "async": true}, {"op": "crash"},
    {"op": "assemble"}, {"op": "wait_sync"}])");
  const std::string dir = ::testing::TempDir() + "/harness_script_sim";
  const Trace d = differential_trace(t, "z", dir);
  std::vector<std::string> ops, labels;
  for (const TraceOp& op : d.ops) {
    ops.emplace_back(op_name(op.kind));
    if (op.kind == OpKind::Export) labels.push_back(op.label);
    if (op.kind == OpKind::Crash) {
      EXPECT_EQ(op.cached, CrashFate::Landed);
      EXPECT_EQ(op.inflight, CrashFate::Landed);
    }
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"create", "wait_sync", "write", "wait_io", "crash",
                                            "export", "assemble", "wait_sync", "wait_io", "crash",
                                            "export"}));
  EXPECT_EQ(labels, (std::vector<std::string>{"z-b1", "z-b2"}));
  // It runs, and writes each boot's members where the comparison looks for them.
  RunOptions o;
  o.timeline = false;
  TraceRunner runner(d, o);
  const RunResult r = runner.run();
  ASSERT_TRUE(r.ok) << r.error;
  for (const char* f : {"/z-b1-vda.img", "/z-b1-vdb.img", "/z-b2-vda.img", "/z-b2-vdb.img"}) {
    EXPECT_TRUE(std::ifstream(dir + f).good()) << f;
  }
  // The same trace written back and parsed again is the same trace (the CLI writes it as JSON).
  auto again = parse_trace(trace_to_json(d), "again");
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->ops.size(), d.ops.size());
}

// Every op of the guest is followed by its mark ("llb_mark INDEX"; a crash is preceded by it),
// INDEX the same op in the simulator's trace, so a comparison can replay the model on the
// guest's clock.
TEST(HarnessScript, TheGuestMarksEachOpWithItsPlaceInTheSimulatorsTrace) {
  const Trace t = parse(R"([{"op": "create"}, {"op": "wait_sync"}, {"op": "export", "dir": "/tmp"},
    {"op": "write", "offset": 0, "length": 65536}, {"op": "wait", "ms": 300}, {"op": "crash"},
    {"op": "assemble"}, {"op": "discard", "offset": 0, "length": 65536}])");
  auto s = harness_scenarios(t, "m");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  ASSERT_EQ(s->size(), 2u);
  std::vector<std::size_t> index;
  const Trace d = differential_trace(t, "m", "/tmp", &index);
  ASSERT_EQ(index.size(), t.ops.size());
  EXPECT_EQ(index[2], kNotInSimTrace);  // the export is the simulator's own
  std::vector<std::string> marked;  // the kinds the marks point at, in script order
  for (const HarnessScenario& sc : *s) {
    EXPECT_NE(sc.script.find("llb_mark() { read llb_up llb_idle < /proc/uptime; echo \"llb-op $1 "
                             "$llb_up\"; }\n"), std::string::npos);
    std::istringstream in(sc.script);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("llb_mark ", 0) != 0) continue;
      const std::size_t i = std::stoul(line.substr(9));
      ASSERT_LT(i, d.ops.size()) << line;
      marked.emplace_back(op_name(d.ops[i].kind));
    }
  }
  EXPECT_EQ(marked, (std::vector<std::string>{"create", "wait_sync", "write", "wait", "crash",
                                               "assemble", "discard"}));
  for (std::size_t i = 0; i < t.ops.size(); ++i) {
    if (index[i] != kNotInSimTrace) {
      EXPECT_EQ(d.ops[index[i]].kind, t.ops[i].kind) << i;
    }
  }
}

// until_us counts from the boot's first such wait: a crash starts the clock again, as the guest's
// uptime starts again at its next boot.
TEST(HarnessScript, UntilTimesCountFromTheBootsFirstOne) {
  const Trace t = parse(R"([{"op": "create"}, {"op": "wait", "until_us": 0},
    {"op": "wait", "until_us": 3000000}, {"op": "crash"}, {"op": "assemble"},
    {"op": "wait", "until_us": 0}, {"op": "wait", "until_us": 2000000}])");
  RunOptions o;
  o.timeline = false;
  TraceRunner runner(t, o);
  const RunResult r = runner.run();
  ASSERT_TRUE(r.ok) << r.error;
  const Trace u = parse(R"([{"op": "create"}, {"op": "wait", "s": 3}, {"op": "crash"},
    {"op": "assemble"}, {"op": "wait", "s": 2}])");
  TraceRunner plain(u, o);
  const RunResult p = plain.run();
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(r.end, p.end);
}

TEST(HarnessScript, WhatTheGuestCannotDoIsRefusedWithTheOpNamed) {
  const Trace t = parse(R"([{"op": "create"}, {"op": "io_error", "member": 0, "count": 1}])");
  auto s = harness_scenarios(t, "e");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().to_string().find("op 1 (io_error)"), std::string::npos) << s.status().to_string();
  EXPECT_FALSE(harness_scenarios(t, "../escape").ok());
}

TEST(HarnessScript, CappedRandomWorkloadsMakeTheSameChoices) {
  WorkloadOptions a, b;
  b.max_wait_ms = 2000;
  const Trace ta = random_workload(7, a), tb = random_workload(7, b);
  ASSERT_EQ(ta.ops.size(), tb.ops.size());
  bool capped = false;
  for (std::size_t i = 0; i < ta.ops.size(); ++i) {
    EXPECT_EQ(ta.ops[i].kind, tb.ops[i].kind) << i;
    EXPECT_EQ(ta.ops[i].offset_bytes, tb.ops[i].offset_bytes) << i;
    if (ta.ops[i].kind == OpKind::Wait) {
      EXPECT_EQ(tb.ops[i].duration, std::min<Tick>(ta.ops[i].duration, 2000 * kTicksPerMs)) << i;
      capped = capped || ta.ops[i].duration > tb.ops[i].duration;
    }
  }
  EXPECT_TRUE(capped) << "seed 7 should draw at least one wait longer than 2 s";
}

}  // namespace
}  // namespace llb::sim
