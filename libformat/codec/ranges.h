#pragma once
// Half-open ranges [first, end) of sectors or bytes, sorted and merged where they touch or
// overlap: what a writer plans per device, and the defects a member carries.

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace llb {

using Range = std::pair<std::uint64_t, std::uint64_t>;  // [first, end)

inline std::vector<Range> merged_ranges(std::vector<Range> rs) {
  std::sort(rs.begin(), rs.end());
  std::vector<Range> out;
  for (const Range& r : rs) {
    if (!out.empty() && r.first <= out.back().second) {
      out.back().second = std::max(out.back().second, r.second);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace llb
