// llbitmap-examine as users run it: golden text, JSON and export output on the real-kernel
// images, and every documented exit status.

#include <gtest/gtest.h>

#include "libformat/report/json.h"
#include "tests/test_util.h"

namespace llb {
namespace {

std::string examine_cmd(const std::string& args) {
  return std::string("cd ") + LLB_FIXTURE_IMAGES_DIR + "/realkernel && TZ=UTC " + LLB_TOOLS_DIR +
         "/llbitmap-examine " + args + " 2>&1";
}

struct Golden {
  const char* name;
  const char* args;
  int exit_status;
};

class ExamineGolden : public ::testing::TestWithParam<Golden> {};

TEST_P(ExamineGolden, OutputAndExitStatusMatchTheExpectFile) {
  const Golden& g = GetParam();
  std::string out;
  int rc = test::run_command(examine_cmd(g.args), &out);
  test::expect_golden(std::string("examine/") + g.name + ".expect",
                      out + "exit status " + std::to_string(rc) + "\n");
  EXPECT_EQ(rc, g.exit_status) << out;
}

INSTANTIATE_TEST_SUITE_P(
    Examine, ExamineGolden,
    ::testing::Values(
        Golden{"b_crash_dirty_pair", "b-crash-dirty/after-vda.img b-crash-dirty/after-vdb.img", 1},
        Golden{"a2_clean_stop_pair", "a2-write-then-stop/after-vda.img a2-write-then-stop/after-vdb.img", 0},
        Golden{"c_degraded_three", "c-degraded-3disk/after-vda.img c-degraded-3disk/after-vdb.img c-degraded-3disk/after-vdc.img", 1},
        Golden{"g_first_use", "g-assume-clean/after-vda.img", 1},
        Golden{"c_export", "--export c-degraded-3disk/after-vda.img c-degraded-3disk/after-vdb.img c-degraded-3disk/after-vdc.img", 1},
        Golden{"b_json", "--json b-crash-dirty/after-vda.img b-crash-dirty/after-vdb.img", 1},
        Golden{"g2_chunks", "--chunks g2-reassemble-assume-clean/after-vda.img", 0}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(ExamineCli, JsonFollowsSchemaVersion1) {
  std::string out;
  int rc = test::run_command(
      examine_cmd("--json c-degraded-3disk/after-vda.img c-degraded-3disk/after-vdb.img"), &out);
  EXPECT_EQ(rc, 1);
  Json j = Json::parse(out);
  EXPECT_EQ(j["schema"], "llbitmap-examine");
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["exit_status"], 1);
  ASSERT_EQ(j["devices"].size(), 2u);
  EXPECT_EQ(j["devices"][0]["md_superblock"]["array_uuid"], "0aa86ade:1611ceb1:d26243c1:64d695e4");
  EXPECT_EQ(j["devices"][0]["llbitmap"]["counts"]["need_sync"], 4);
  EXPECT_EQ(j["devices"][1]["llbitmap"]["counts"]["dirty"], 2);
  EXPECT_EQ(j["arrays"][0]["lagging"][0], "c-degraded-3disk/after-vdb.img");
  EXPECT_EQ(j["arrays"][0]["assembly"]["sync_kind"], "recovery");
  EXPECT_EQ(j["arrays"][0]["assembly"]["sync_chunks"], 4);
}

// An array name is bytes on disk and need not be UTF-8; JSON text must be. The fuzzer found the
// JSON writer throwing (and examine aborting) on such a name: invalid bytes become U+FFFD.
TEST(ExamineCli, JsonOfANameThatIsNotUtf8) {
  auto head = test::read_text_file(std::string(LLB_FIXTURES_DIR) + "/fuzz/fuzz_member/b-crash-dirty-head12k");
  ASSERT_EQ(head.size(), 12288u);
  ASSERT_EQ(head.substr(4096 + 32, 8), "(none):0");
  head[4096 + 32 + 7] = '\xff';
  const std::string path = ::testing::TempDir() + "name-not-utf8.img";
  test::write_text_file(path, head);
  std::string out;
  const int rc = test::run_command(std::string(LLB_TOOLS_DIR) + "/llbitmap-examine --json " + path +
                                       " 2>/dev/null", &out);
  EXPECT_LT(rc, 16) << out;  // an exit status, not a signal
  Json j = Json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_EQ(j["devices"][0]["md_superblock"]["name"], "(none):\xEF\xBF\xBD");
}

TEST(ExamineCli, MissingDeviceExitsFour) {
  std::string out;
  EXPECT_EQ(test::run_command(examine_cmd("/nonexistent/dev"), &out), 4);
  EXPECT_NE(out.find("/nonexistent/dev: error: NotFound"), std::string::npos) << out;
}

TEST(ExamineCli, DeviceWithoutMdMetadataExitsTwo) {
  std::string out;
  EXPECT_EQ(test::run_command(examine_cmd("../../CMakeCache.txt"), &out), 2);
  EXPECT_NE(out.find("no md v1.x superblock"), std::string::npos) << out;
}

TEST(ExamineCli, UsageErrorsExitEight) {
  std::string out;
  EXPECT_EQ(test::run_command(examine_cmd(""), &out), 8);
  EXPECT_EQ(test::run_command(examine_cmd("--layout sideways a-clean-stop/after-vda.img"), &out), 8);
  EXPECT_NE(out.find("--layout is 'sideways', expected upstream, rfc or auto"), std::string::npos);
  EXPECT_EQ(test::run_command(examine_cmd("--bogus"), &out), 8);
  EXPECT_EQ(test::run_command(examine_cmd("--json --export a-clean-stop/after-vda.img"), &out), 8);
}

TEST(ExamineCli, ExitBitsAreOredOverDevices) {
  std::string out;
  EXPECT_EQ(test::run_command(
                examine_cmd("b-crash-dirty/after-vda.img ../../CMakeCache.txt /nonexistent"), &out),
            1 | 2 | 4);
}

TEST(ExamineCli, ExplicitRfcLayoutOnAnUpstreamImageReportsInvalidBytes) {
  std::string out;
  EXPECT_EQ(test::run_command(examine_cmd("--layout rfc a-clean-stop/after-vda.img"), &out), 1);
  EXPECT_NE(out.find("rfc layout; chosen with --layout"), std::string::npos) << out;
}

}  // namespace
}  // namespace llb
