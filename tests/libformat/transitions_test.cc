// Every cell of both transition tables against the kernel text it was transcribed from: the RFC
// patch in ../shared/seed/ and Linux 7.2's md-llbitmap.c.

#include <gtest/gtest.h>

#include "libformat/codec/llbitmap_transitions.h"
#include "tests/kernel_source.h"
#include "tests/test_util.h"

namespace llb {
namespace {

std::string state_source_name(int s) {
  return "Bit" + std::string(state_name(static_cast<State>(s)));
}
std::string action_source_name(int a) {
  return "BitmapAction" + std::string(action_name(static_cast<Action>(a)));
}
std::string next_source_name(std::uint8_t next) {
  return next == kBitNone ? "BitNone" : state_source_name(next);
}

void check_every_cell(KernelVersion v, const test::ParsedTable& table) {
  const int states = state_count(v), actions = action_count(v);
  ASSERT_EQ(table.size(), static_cast<std::size_t>(states * actions))
      << "the parsed table should have every cell";
  for (int s = 0; s < states; ++s) {
    for (int a = 0; a < actions; ++a) {
      auto it = table.find({state_source_name(s), action_source_name(a)});
      ASSERT_NE(it, table.end()) << state_source_name(s) << " x " << action_source_name(a);
      EXPECT_EQ(next_source_name(transition(v, static_cast<State>(s), static_cast<Action>(a))),
                it->second)
          << kernel_version_name(v) << ": " << state_source_name(s) << " x "
          << action_source_name(a);
    }
  }
}

TEST(TransitionTable, RfcMatchesTheSeedPatchCellByCell) {
  std::string text = test::read_text_file(test::rfc_seed_path());
  ASSERT_FALSE(text.empty()) << "missing " << test::rfc_seed_path();
  check_every_cell(KernelVersion::Rfc, test::parse_state_machine(text, true));
}

TEST(TransitionTable, SeedCopyIsTheSharedSeed) {
  const std::string original = test::read_text_file(test::shared_rfc_seed_path());
  if (original.empty()) {
    GTEST_SKIP() << test::shared_rfc_seed_path()
                 << " not found (the clone is not beside ../shared): the fixture copy is used as is";
  }
  EXPECT_EQ(test::read_text_file(test::rfc_seed_path()), original)
      << "fixtures/seed/llbitmap-rfc.txt differs from " << test::shared_rfc_seed_path();
}

TEST(TransitionTable, UpstreamMatchesLinux72CellByCell) {
  std::string path = test::upstream_llbitmap_source();
  if (path.empty()) {
    GTEST_SKIP() << "Linux 7.2 source not unpacked: run ../shared/realkernel/fetch-inputs.sh "
                    "(tests/run-all.sh does) or set LLB_KERNEL_SRC";
  }
  check_every_cell(KernelVersion::Upstream,
                   test::parse_state_machine(test::read_text_file(path), false));
}

// Runs everywhere: the cells extracted from md-llbitmap.c into fixtures/kernel/.
TEST(TransitionTable, UpstreamMatchesTheExtractedLinux72TableCellByCell) {
  const std::string text = test::read_text_file(test::extracted_upstream_table_path());
  ASSERT_FALSE(text.empty()) << "missing " << test::extracted_upstream_table_path();
  int bad = 0;
  test::ParsedTable table = test::parse_table_tsv(text, &bad);
  EXPECT_EQ(bad, 0) << "malformed or repeated lines in " << test::extracted_upstream_table_path();
  check_every_cell(KernelVersion::Upstream, table);
}

// Where the source is unpacked, the extracted copy must be exactly its table.
TEST(TransitionTable, ExtractedTableIsTheLinux72Source) {
  std::string path = test::upstream_llbitmap_source();
  if (path.empty()) GTEST_SKIP() << "Linux 7.2 source not unpacked (see UpstreamMatchesLinux72CellByCell)";
  int bad = 0;
  EXPECT_EQ(test::parse_table_tsv(test::read_text_file(test::extracted_upstream_table_path()), &bad),
            test::parse_state_machine(test::read_text_file(path), false))
      << test::extracted_upstream_table_path() << " differs from " << path;
}

TEST(TransitionTable, RfcHasNoUpstreamOnlyStatesOrActions) {
  EXPECT_EQ(state_count(KernelVersion::Rfc), 5);
  EXPECT_EQ(action_count(KernelVersion::Rfc), 8);
  EXPECT_EQ(transition(KernelVersion::Rfc, State::CleanUnwritten, Action::Startwrite), kBitNone);
  EXPECT_EQ(transition(KernelVersion::Rfc, State::Clean, Action::ProactiveSync), kBitNone);
}

TEST(TransitionTable, TheVersionsAgreeOnTheirCommonCells) {
  for (int s = 0; s < 5; ++s) {
    for (int a = 0; a < 8; ++a) {
      EXPECT_EQ(transition(KernelVersion::Rfc, static_cast<State>(s), static_cast<Action>(a)),
                transition(KernelVersion::Upstream, static_cast<State>(s), static_cast<Action>(a)))
          << s << " " << a;
    }
  }
}

}  // namespace
}  // namespace llb
