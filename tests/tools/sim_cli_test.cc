// llbitmap-sim as a user runs it: the b-crash-dirty trace exports members that llbitmap-examine
// shows with the same runs of states as the real kernel's images; explore's exit status and its
// reproduce line.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "libformat/report/json.h"
#include "tests/writer_util.h"

namespace llb {
namespace {

std::string runs_of(const std::string& examine_output) {
  const auto a = examine_output.find("  runs:\n");
  const auto b = examine_output.find("Findings:", a);
  return a == std::string::npos ? "" : examine_output.substr(a, b - a);
}

TEST(SimCli, ExportedCrashMembersShowTheRealKernelsRuns) {
  test::TempDir d;
  std::string out;
  ASSERT_EQ(test::run_command(test::tool("llbitmap-sim") + " run " + LLB_FIXTURES_DIR +
                                  "/traces/b-crash-dirty.json --quiet --export " + d.path() + " 2>&1",
                              &out), 0) << out;
  for (const std::string m : {"vda", "vdb"}) {
    std::string sim_out, real_out;
    EXPECT_EQ(test::run_command(test::tool("llbitmap-examine") + " " + d.path() + "/" + m + ".img", &sim_out), 1);
    EXPECT_EQ(test::run_command(test::tool("llbitmap-examine") + " " +
                                    test::fixture_image("b-crash-dirty", m), &real_out), 1);
    ASSERT_FALSE(runs_of(real_out).empty()) << real_out;
    EXPECT_EQ(runs_of(sim_out), runs_of(real_out)) << m;
  }
}

// A write on a media defect becomes a bad block in vda's log (raid1 retries sector by sector);
// examine --json lists the log's entries; vdb, with none, has no bad-blocks feature bit (md sets
// it when it first records one), so nothing to list: null.
TEST(SimCli, ExamineListsTheBadBlocksAWriteOnADefectLeft) {
  test::TempDir d;
  const std::string trace = d.path() + "/t.json";
  {
    std::ofstream f(trace);
    f << R"({"format": "llbitmap-sim-trace", "version": 1, "name": "bb",
      "array": {"members": 2, "member_size": "64M"},
      "ops": [{"op": "create"}, {"op": "wait_sync"},
              {"op": "media_error", "member": "vda", "offset": "1M", "length": "4K"},
              {"op": "write", "offset": "1M", "length": "8K"}, {"op": "wait", "s": 1},
              {"op": "stop"}]})";
  }
  std::string out;
  ASSERT_EQ(test::run_command(test::tool("llbitmap-sim") + " run " + trace + " --quiet --export " +
                                  d.path() + " 2>&1", &out), 0) << out;
  ASSERT_EQ(test::run_command(test::tool("llbitmap-examine") + " --json " + d.path() + "/vda.img " +
                                  d.path() + "/vdb.img", &out), 0) << out;
  const Json j = Json::parse(out);
  // The defect is array sector 2048 (1 MiB) past the data offset (2048): member sector 4096.
  EXPECT_EQ(j["devices"][0]["bad_blocks"], Json::parse("[[4096, 8]]")) << out;
  EXPECT_TRUE(j["devices"][1]["bad_blocks"].is_null()) << out;
}

TEST(SimCli, ExploreExitStatusAndReproduceLine) {
  std::string out;
  const std::string trace = std::string(LLB_FIXTURES_DIR) + "/traces/b-crash-dirty.json";
  EXPECT_EQ(test::run_command(test::tool("llbitmap-sim") + " explore " + trace + " 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("no violation"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(test::tool("llbitmap-sim") + " explore " + trace +
                                  " --plant-fault --stop-at-first 2>&1", &out), 1) << out;
  EXPECT_NE(out.find("reproduce: llbitmap-sim explore"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(test::tool("llbitmap-sim") + " explore --kernel nope " + trace + " 2>&1", &out), 8);
  EXPECT_EQ(test::run_command(test::tool("llbitmap-sim") + " explore /nonexistent.json 2>&1", &out), 2);
}

// Array shapes the simulator cannot take are refused up front, naming the option, the value and
// what is expected (--members 0 once crashed the explorer, and a tiny --member-size threw).
TEST(SimCli, ExploreRefusesArrayShapesTheSimulatorCannotTake) {
  std::string out;
  const std::string sim = test::tool("llbitmap-sim") + " explore --seed 1 --max-states 100 ";
  EXPECT_EQ(test::run_command(sim + "--members 0 2>&1", &out), 8);
  EXPECT_NE(out.find("--members is 0, expected 2 to 8"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(sim + "--members 9 2>&1", &out), 8);
  EXPECT_EQ(test::run_command(sim + "--member-size 4096 2>&1", &out), 8);
  EXPECT_NE(out.find("--member-size is 4096, expected a multiple of 4 KiB"), std::string::npos) << out;
  // The smallest member that holds the data offset and one chunk explores.
  EXPECT_EQ(test::run_command(sim + "--member-size 1114112 2>&1", &out), 0) << out;
}

// The wall-clock fields of an exploration: the only ones that may differ between two runs.
Json without_timing(Json j) {
  j["stats"].erase("seconds");
  j["stats"].erase("states_per_second");
  return j;
}

std::vector<Json> json_lines(const std::string& text) {
  std::vector<Json> docs;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    docs.push_back(without_timing(Json::parse(line)));
  }
  return docs;
}

TEST(SimCli, ExploreSeedsReportsEverySeedInOrderWhateverTheJobs) {
  const std::string cmd = test::tool("llbitmap-sim") + " explore --ops 12 --max-states 2000 --json";
  std::string one_job, two_jobs, single;
  ASSERT_EQ(test::run_command(cmd + " --seeds 3:9 2>&1", &one_job), 0) << one_job;
  ASSERT_EQ(test::run_command(cmd + " --seeds 3:9 -j 2 2>&1", &two_jobs), 0) << two_jobs;
  const auto a = json_lines(one_job), b = json_lines(two_jobs);
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(a, b);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i]["seed"], 3 + i);
  ASSERT_EQ(test::run_command(cmd + " --seed 5 2>&1", &single), 0) << single;
  EXPECT_EQ(a[2], without_timing(Json::parse(single))) << "--seeds 3:9 holds what --seed 5 prints";

  // The planted fault (data before its bitmap block) is found on some seed: exit status 1.
  std::string planted;
  EXPECT_EQ(test::run_command(test::tool("llbitmap-sim") + " explore --ops 12 --plant-fault "
                                  "--stop-at-first --seeds 0:4 -j 2 2>&1", &planted), 1) << planted;
}

TEST(SimCli, ExploreSeedsRefusesWhatItCannotDo) {
  const std::string sim = test::tool("llbitmap-sim") + " explore ";
  std::string out;
  EXPECT_EQ(test::run_command(sim + "--seeds 5:5 2>&1", &out), 8);
  EXPECT_NE(out.find("--seeds is '5:5', expected A:B with A < B"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(sim + "--seeds 1:x 2>&1", &out), 8);
  EXPECT_EQ(test::run_command(sim + "--seeds 0:3 --seed 1 2>&1", &out), 8);
  EXPECT_EQ(test::run_command(sim + "--seeds 0:3 --export-violation /tmp/x 2>&1", &out), 8);
  EXPECT_EQ(test::run_command(sim + "--seeds 0:3 --jobs 0 2>&1", &out), 8);
}

TEST(SimCli, DashReadsTheTraceOrTheCaptureFromStandardInput) {
  const std::string sim = test::tool("llbitmap-sim");
  const std::string trace = std::string(LLB_FIXTURES_DIR) + "/traces/demo-crash-inflight.json";
  std::string from_file, from_stdin;
  ASSERT_EQ(test::run_command(sim + " run " + trace + " --json -q 2>&1", &from_file), 0);
  ASSERT_EQ(test::run_command(sim + " run - --json -q < " + trace + " 2>&1", &from_stdin), 0);
  Json a = Json::parse(from_file), b = Json::parse(from_stdin);
  a.erase("reproduce");
  b.erase("reproduce");
  EXPECT_EQ(a, b);

  const std::string capture = std::string(LLB_FIXTURES_DIR) + "/traces/fio-3.33-randwrite-psync.iolog";
  const std::string explore = " explore --ops 20 --max-states 3000 --json";
  ASSERT_EQ(test::run_command(sim + explore + " --import " + capture + " 2>&1", &from_file), 0);
  ASSERT_EQ(test::run_command(sim + explore + " --import - < " + capture + " 2>&1", &from_stdin), 0);
  a = without_timing(Json::parse(from_file));
  b = without_timing(Json::parse(from_stdin));
  a.erase("reproduce");
  b.erase("reproduce");
  EXPECT_EQ(a, b);

  std::string bad;
  EXPECT_EQ(test::run_command("echo '{bad' | " + sim + " run - 2>&1", &bad), 2);
  EXPECT_NE(bad.find("standard input: not valid JSON"), std::string::npos) << bad;
}

}  // namespace
}  // namespace llb

