#include "libformat/io/state_area.h"

#include "libformat/codec/kernel_profile.h"

#include <algorithm>

#include "libformat/codec/bitmap_superblock.h"

namespace llb {

Result<StateArea> read_state_area(BlockDevice& dev, const Geometry& g) {
  // Read from the end of the bitmap superblock to the end of the last state page in one go.
  const std::uint64_t start = g.bitmap_offset_bytes + kBitmapSbBytes;
  const std::uint64_t end = g.bitmap_offset_bytes + g.state_area_end_bytes();
  if (end > dev.size_bytes()) {
    return Status(Code::ShortRead,
                  str_cat(dev.name(), ": llbitmap state area of ", g.chunks,
                          " chunks ends at byte ", end, ", past the end of the device (",
                          dev.size_bytes(), " bytes)"));
  }
  auto raw = read_bytes(dev, start, static_cast<std::size_t>(end - start));
  if (!raw.ok()) return raw.status();
  const std::uint8_t* base = raw->data() - kBitmapSbBytes;  // index by offset from the bitmap sb
  StateArea area;
  area.bytes.assign(base + g.data_offset_bytes, base + g.data_offset_bytes + g.chunks);
  auto check = [&](std::uint64_t from, std::uint64_t to, std::uint64_t& total,
                   std::uint64_t& bad) {
    if (to <= from) return;
    total += to - from;
    // Intact filler is the rule: one pass to say so, a byte-by-byte count only when it is not.
    const std::uint8_t* p = base + from;
    if (std::all_of(p, p + (to - from), [](std::uint8_t b) { return b == 0xff; })) return;
    for (std::uint64_t i = from; i < to; ++i) {
      if (is_filler_byte(i, base[i])) continue;
      if (bad++ == 0 && area.first_bad_filler_offset == 0) {
        area.first_bad_filler_offset = g.bitmap_offset_bytes + i;
      }
    }
  };
  area.counts = count_states(area.bytes, g.version);
  area.runs = state_runs(area.bytes);
  check(kBitmapSbBytes, g.data_offset_bytes, area.gap_bytes, area.gap_not_filler);
  if (kernel_profile(g.version).filler_after_states) {
    check(g.data_offset_bytes + g.chunks, g.state_area_end_bytes(), area.tail_bytes,
          area.tail_not_filler);
  }
  return area;
}

}  // namespace llb
