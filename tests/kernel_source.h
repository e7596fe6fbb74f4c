#pragma once
// Locating and reading the two reference implementations for table tests: the RFC patch in
// ../shared/seed/ and Linux 7.2's drivers/md/md-llbitmap.c unpacked by
// ../shared/realkernel/fetch-inputs.sh.

#include <map>
#include <optional>
#include <string>
#include <utility>

namespace llb::test {

// Path of md-llbitmap.c from $LLB_KERNEL_SRC, $RK_WORK or the harness default; empty if absent.
std::string upstream_llbitmap_source();
std::string rfc_seed_path();         // the copy in fixtures/seed (tests run anywhere)
std::string shared_rfc_seed_path();  // the original in ../shared/seed, when the clone sits there

// The `state_machine` table parsed from kernel C text: (state name, action name) -> next state
// name, with names as in the source ("BitDirty", "BitmapActionStartwrite", "BitNone").
using ParsedTable = std::map<std::pair<std::string, std::string>, std::string>;
ParsedTable parse_state_machine(const std::string& c_text, bool strip_patch_plus);

// fixtures/kernel/linux-7.2-state-machine.tsv: the same table extracted from md-llbitmap.c, kept
// so the upstream cells are checked where the kernel source is not unpacked.
std::string extracted_upstream_table_path();
// "state<TAB>action<TAB>next" lines ('#' comments) into the same map; malformed lines are dropped
// and counted in *bad_lines.
ParsedTable parse_table_tsv(const std::string& text, int* bad_lines);

}  // namespace llb::test
