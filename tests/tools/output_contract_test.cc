// The tools' output contract for scripts (docs/tools-json.md): --json on every tool, one document
// with its schema's name and version and the exit status, also when the tool stops on an error;
// --quiet prints nothing and keeps the exit status; --export escapes as `blkid -o export`.

#include <gtest/gtest.h>

#include <fstream>

#include "libformat/report/json.h"
#include "libformat/report/report.h"
#include "tests/writer_util.h"

namespace llb {
namespace {

using test::MemberCopies;
using test::tool;

// stdout only (stderr to /dev/null): what a script reads.
int run_stdout(const std::string& cmd, std::string* out) {
  return test::run_command(cmd + " 2>/dev/null", out);
}

Json parse_one(const std::string& out) {
  Json j = Json::parse(out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not one JSON document: " << out;
  return j;
}

void poke(const std::string& path, std::uint64_t offset, std::uint8_t byte) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(byte));
}

TEST(OutputContract, RepairJsonSaysWhatItFoundPlannedAndWrote) {
  MemberCopies b("realkernel", "b-crash-dirty");
  poke(b.paths()[1], 8192 + 1024 + 700, 0x77);  // chunk 700: no state of Linux 7.2's
  const auto before = test::metadata_hash(b.paths()[1]);
  std::string out;
  EXPECT_EQ(run_stdout(tool("llbitmap-repair") + " --json --dry-run " + b.args(), &out), 4);
  Json j = parse_one(out);
  EXPECT_EQ(j["schema"], "llbitmap-repair");
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["mode"], "dry-run");
  EXPECT_EQ(j["exit_status"], 4);
  EXPECT_EQ(j["written"], false);
  ASSERT_FALSE(j["problems"].empty()) << out;
  EXPECT_EQ(j["problems"][0]["code"], "invalid-state-bytes") << out;
  ASSERT_FALSE(j["changes"].empty()) << out;
  EXPECT_EQ(test::metadata_hash(b.paths()[1]), before) << "--dry-run wrote";

  EXPECT_EQ(run_stdout(tool("llbitmap-repair") + " --json --repair " + b.args(), &out), 16)
      << "--json --repair without --yes cannot ask";
  EXPECT_EQ(parse_one(out)["exit_status"], 16) << out;
  EXPECT_EQ(test::metadata_hash(b.paths()[1]), before);

  EXPECT_EQ(run_stdout(tool("llbitmap-repair") + " --json --repair --yes " + b.args(), &out), 1);
  j = parse_one(out);
  EXPECT_EQ(j["mode"], "repair");
  EXPECT_EQ(j["written"], true);
  EXPECT_TRUE(j["after"]["problems"].empty()) << out;
  EXPECT_EQ(j["exit_status"], 1);
  EXPECT_NE(test::metadata_hash(b.paths()[1]), before);
}

TEST(OutputContract, EveryToolPrintsAnErrorDocumentInJsonMode) {
  for (const std::string t : {"llbitmap-examine", "llbitmap-repair", "llbitmap-resync"}) {
    std::string out;
    const int rc = run_stdout(tool(t) + " --json --layout sideways /nonexistent", &out);
    Json j = parse_one(out);
    EXPECT_EQ(j["schema"], t) << out;
    EXPECT_EQ(j["exit_status"], rc) << out;
    EXPECT_NE(j["error"].get<std::string>().find("sideways"), std::string::npos) << out;
  }
  std::string out;
  const int rc = run_stdout(tool("llbitmap-undo") + " --json /nonexistent.undo", &out);
  EXPECT_EQ(rc, 4);
  Json j = parse_one(out);
  EXPECT_EQ(j["schema"], "llbitmap-undo");
  EXPECT_NE(j["error"].get<std::string>().find("/nonexistent.undo"), std::string::npos) << out;
}

TEST(OutputContract, CreateAndUndoJson) {
  test::TempDir d;
  const std::string a = d.path() + "/a.img", b = d.path() + "/b.img", u = d.path() + "/c.undo";
  std::string out;
  ASSERT_EQ(run_stdout(tool("llbitmap-create") + " --json --new --size 64M --dry-run " + a + " " + b,
                       &out), 0);
  Json j = parse_one(out);
  EXPECT_EQ(j["schema"], "llbitmap-create");
  EXPECT_EQ(j["dry_run"], true);
  EXPECT_EQ(j["written"], false);
  EXPECT_EQ(j["members"].size(), 2u);
  EXPECT_FALSE(std::ifstream(a).good()) << "a dry run created a file";

  ASSERT_EQ(run_stdout(tool("llbitmap-create") + " --json --new --size 64M -z " + u + " " + a + " " + b,
                       &out), 0);
  j = parse_one(out);
  EXPECT_EQ(j["written"], true);
  EXPECT_EQ(j["undo_file"], u);
  EXPECT_EQ(j["members"][0]["path"], a);

  ASSERT_EQ(run_stdout(tool("llbitmap-undo") + " --json -n " + u, &out), 0);
  j = parse_one(out);
  EXPECT_EQ(j["schema"], "llbitmap-undo");
  EXPECT_EQ(j["dry_run"], true);
  EXPECT_FALSE(j["ranges"].empty()) << out;
  EXPECT_EQ(j["restored"], false);
}

TEST(OutputContract, QuietPrintsNothingAndKeepsTheExitStatus) {
  MemberCopies b("realkernel", "b-crash-dirty");
  std::string out;
  EXPECT_EQ(test::run_command(tool("llbitmap-examine") + " -q " + b.args(), &out), 1);
  EXPECT_EQ(out, "");
  EXPECT_EQ(test::run_command(tool("llbitmap-resync") + " --quiet " + b.args(), &out), 1);
  EXPECT_EQ(out, "");
  EXPECT_EQ(test::run_command(tool("llbitmap-examine") + " -q --json " + b.args() + " 2>/dev/null",
                              &out), 8);
  // llbitmap-sim run keeps its own --quiet (no timeline), which goes with --json.
  EXPECT_EQ(run_stdout(tool("llbitmap-sim") + " run " + LLB_FIXTURES_DIR +
                           "/traces/demo-crash-inflight.json --seed 2 -q --json", &out), 0);
  EXPECT_EQ(parse_one(out)["schema"], "llbitmap-sim-run");
}

// The escaping of `blkid -o export`, taken from blkid itself: an ext4 label with every kind of
// byte it treats specially (16 bytes, the most ext4 holds).
TEST(OutputContract, ExportEscapesAsBlkidDoes) {
  test::TempDir d;
  const std::string img = d.path() + "/label.img";
  const std::string label = std::string("a b\"$`<>'\\\x01\xc3\xa9(x)");
  ASSERT_EQ(label.size(), 16u);
  std::string out;
  test::write_text_file(d.path() + "/label", label);
  ASSERT_EQ(test::run_command("truncate -s 8M " + img + " && mkfs.ext4 -q -L \"$(cat " + d.path() +
                                  "/label)\" " + img + " && blkid -o export -s LABEL " + img,
                              &out),
            0)
      << out;
  const auto at = out.find("LABEL=");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string blkid_value = out.substr(at + 6, out.find('\n', at) - at - 6);
  EXPECT_EQ(blkid_export_escape(label), blkid_value);
  EXPECT_EQ(blkid_export_escape("(none):0"), "(none):0");
}

}  // namespace
}  // namespace llb
