#include "tests/kernel_source.h"

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>
#include <vector>

#include "tests/test_util.h"

namespace llb::test {

std::string upstream_llbitmap_source() {
  std::vector<std::string> roots;
  if (const char* k = std::getenv("LLB_KERNEL_SRC")) roots.push_back(k);
  if (const char* w = std::getenv("RK_WORK")) roots.push_back(std::string(w) + "/src/linux-source-7.2");
  const char* tmp = std::getenv("TMPDIR");
  roots.push_back(std::string(tmp ? tmp : "/tmp") + "/llbitmap-realkernel/src/linux-source-7.2");
  for (const auto& r : roots) {
    std::string p = r + "/drivers/md/md-llbitmap.c";
    if (std::filesystem::exists(p)) return p;
  }
  return {};
}

std::string rfc_seed_path() {
  return (std::filesystem::path(LLB_FIXTURES_DIR) / "seed" / "llbitmap-rfc.txt").string();
}
std::string shared_rfc_seed_path() {
  return (std::filesystem::path(shared_dir()) / "seed" / "llbitmap-rfc.txt").string();
}

std::string extracted_upstream_table_path() {
  return (std::filesystem::path(LLB_FIXTURES_DIR) / "kernel" / "linux-7.2-state-machine.tsv").string();
}

ParsedTable parse_table_tsv(const std::string& text, int* bad_lines) {
  ParsedTable table;
  *bad_lines = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string state, action, next, extra;
    if (!std::getline(fields, state, '\t') || !std::getline(fields, action, '\t') ||
        !std::getline(fields, next, '\t') || std::getline(fields, extra, '\t') ||
        !table.emplace(std::make_pair(state, action), next).second) {
      ++*bad_lines;
    }
  }
  return table;
}

ParsedTable parse_state_machine(const std::string& text, bool strip_patch_plus) {
  // Keep only the table's text: from "state_machine[" to the closing "};".
  std::istringstream in(text);
  std::string line, body;
  bool inside = false;
  while (std::getline(in, line)) {
    if (strip_patch_plus && !line.empty() && line[0] == '+') line = line.substr(1);
    if (!inside && line.find("char state_machine[") != std::string::npos) inside = true;
    if (!inside) continue;
    body += line + "\n";
    if (line.find("};") == 0) break;
  }
  static const std::vector<std::string> kActions = {
      "BitmapActionStartwrite", "BitmapActionStartsync", "BitmapActionEndsync",
      "BitmapActionAbortsync",  "BitmapActionReload",    "BitmapActionDaemon",
      "BitmapActionDiscard",    "BitmapActionStale",     "BitmapActionProactiveSync",
      "BitmapActionClearUnwritten"};
  ParsedTable table;
  // Each row: [BitX] = { ... } ; entries are "Bit..." (positional) or "[BitmapActionY] = BitZ".
  std::regex row(R"(\[(Bit(?!mapAction)\w+)\]\s*=\s*\{([^}]*)\})");
  std::regex designated(R"(\[(BitmapAction\w+)\]\s*=\s*(Bit\w+))");
  std::regex positional(R"((Bit\w+))");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), row); it != std::sregex_iterator();
       ++it) {
    std::string state = (*it)[1];
    std::string cells = (*it)[2];
    if (cells.find("[BitmapAction") != std::string::npos) {
      for (auto c = std::sregex_iterator(cells.begin(), cells.end(), designated);
           c != std::sregex_iterator(); ++c) {
        table[{state, (*c)[1]}] = (*c)[2];
      }
    } else {
      std::size_t i = 0;
      for (auto c = std::sregex_iterator(cells.begin(), cells.end(), positional);
           c != std::sregex_iterator() && i < kActions.size(); ++c, ++i) {
        table[{state, kActions[i]}] = (*c)[1];
      }
    }
  }
  return table;
}

}  // namespace llb::test
