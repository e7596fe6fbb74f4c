#include "libformat/ops/bblog_overlap.h"

#include <algorithm>

#include "libformat/codec/llbitmap_state.h"
#include "libformat/codec/md_acceptance.h"
#include "libformat/ops/member.h"

namespace llb {

std::optional<BblogOverlap> find_bblog_overlap(const Member& m) {
  if (!m.geometry || !m.states) return std::nullopt;
  auto place = bad_block_log_place(m.md);
  if (!place) return std::nullopt;
  const Geometry& g = *m.geometry;
  const std::vector<std::uint8_t>& bytes = m.states->bytes;
  const std::uint64_t s0 = g.state_byte_offset(0), s1 = s0 + bytes.size();
  BblogOverlap o;
  o.log_begin = place->offset_bytes;
  o.log_end = place->offset_bytes + place->size_bytes;
  const std::uint64_t begin = std::max(o.log_begin, s0), end = std::min(o.log_end, s1);
  if (begin >= end) return std::nullopt;
  o.first_chunk = begin - s0;
  o.last_chunk = end - s0 - 1;
  o.log_declared = (m.md.sb.feature_map & kFeatureBadBlocks) != 0;
  for (std::uint64_t block = begin / 512 * 512; block < end; block += 512) {
    const std::uint64_t c0 = std::max(block, begin) - s0, c1 = std::min(block + 512, end) - s0;
    std::uint64_t valid = 0;
    for (std::uint64_t c = c0; c < c1; ++c) valid += is_valid_state(bytes[c], m.layout);
    if (valid == c1 - c0) {
      if (o.log_declared) ++o.state_blocks_in_log;
      continue;
    }
    if (!o.lost.empty() && o.lost.back().second + 1 == c0) {
      o.lost.back().second = c1 - 1;
    } else {
      o.lost.push_back({c0, c1 - 1});
    }
    o.lost_chunks += c1 - c0;
    o.lost_read_as_states += valid;
  }
  return o;
}

}  // namespace llb
