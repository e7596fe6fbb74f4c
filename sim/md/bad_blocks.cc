#include "sim/md/bad_blocks.h"

#include <algorithm>

namespace llb::sim {

bool BadBlockTable::set(std::uint64_t sector, std::uint64_t sectors) {
  if (sectors == 0) return false;
  // Already recorded whole: nothing changes (and the log need not be written again).
  for (const BadBlock& b : entries_) {
    if (b.sector <= sector && sector + sectors <= b.sector + b.sectors) return true;
  }
  // Merge every range that overlaps or touches the new one, then cut the result into entries of
  // at most BB_MAX_LEN sectors, as the kernel's table holds them.
  std::uint64_t first = sector, end = sector + sectors;
  std::vector<BadBlock> kept;
  kept.reserve(entries_.size() + 1);
  for (const BadBlock& b : entries_) {
    if (b.sector + b.sectors < first || b.sector > end) {
      kept.push_back(b);
    } else {
      first = std::min(first, b.sector);
      end = std::max(end, b.sector + b.sectors);
    }
  }
  for (std::uint64_t s = first; s < end; s += kBadBlockEntryMaxLen) {
    kept.push_back({s, std::min<std::uint64_t>(kBadBlockEntryMaxLen, end - s)});
  }
  if (kept.size() > kBadBlockTableEntries) return false;
  std::sort(kept.begin(), kept.end(),
            [](const BadBlock& a, const BadBlock& b) { return a.sector < b.sector; });
  entries_ = std::move(kept);
  changed_ = true;
  return true;
}

bool BadBlockTable::overlaps(std::uint64_t sector, std::uint64_t sectors) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const BadBlock& b) {
    return b.sector < sector + sectors && sector < b.sector + b.sectors;
  });
}

void BadBlockTable::load(const std::vector<BadBlock>& entries) {
  entries_.clear();
  for (const BadBlock& b : entries) (void)set(b.sector, b.sectors);
  changed_ = false;
}

}  // namespace llb::sim
