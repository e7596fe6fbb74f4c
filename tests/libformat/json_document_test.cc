// The examine report built as a document (json_dom.h, for the Python module) is the document its
// JSON text parses to: same keys in the same order, same values and types, for the real kernel's
// members and for bytes that need escaping.

#include <gtest/gtest.h>

#include "libformat/ops/examine.h"
#include "libformat/report/json_dom.h"
#include "tests/test_util.h"

namespace llb {
namespace {

void expect_same_as_parsed_text(const Examination& ex) {
  const Json built = examination_to_json(ex, {});
  const Json parsed = Json::parse(examination_json(ex, {}));
  EXPECT_EQ(built, parsed);
  // ordered_json compares keys in order too; the text of both is then the same text.
  EXPECT_EQ(json_text(built), examination_json(ex, {}));
}

TEST(JsonDocument, TheExamineDocumentIsItsParsedTextOnEveryRealKernelMember) {
  std::size_t examined = 0;
  for (const std::string& s : test::realkernel_scenarios()) {
    std::vector<std::string> paths;
    for (const std::string& m : test::scenario_members_in("realkernel", s)) {
      paths.push_back(test::fixture_image_in("realkernel", s, m));
    }
    SCOPED_TRACE(s);
    expect_same_as_parsed_text(examine_paths(paths, LayoutChoice::Auto));
    ++examined;
  }
  EXPECT_GE(examined, 8u);
}

TEST(JsonDocument, ErrorsAndBytesThatNeedEscapingBuildTheSameDocument) {
  // A device that does not exist (an error object), and one whose path holds a quote, a control
  // byte and bytes that are not UTF-8 (replaced by U+FFFD in both).
  test::TempDir dir;
  const std::string odd = dir.path() + "/a\"b\x01\xff\xfe.img";
  expect_same_as_parsed_text(examine_paths({dir.path() + "/missing", odd}, LayoutChoice::Auto));
  // Runs, the other document the module builds.
  const std::vector<StateRun> runs = {{0, 9, 2}, {10, 10, 0}};
  EXPECT_EQ(runs_to_json(runs, KernelVersion::Upstream),
            Json::parse(runs_json(runs, KernelVersion::Upstream)));
}

}  // namespace
}  // namespace llb
