// Fuzz target: reading a whole member (locate, decode, the kernel's acceptance rules, validate,
// geometry, state area, layout detection, assembly prediction) from arbitrary device bytes, and
// rendering what was read, never crashes. The input's last byte picks the layout asked for (auto,
// rfc or upstream) and the rendering (text, KEY=VALUE or JSON): one input takes one path through
// each, so the fuzzer keeps its pace and still reaches every combination.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "libformat/ops/examine.h"
#include "libformat/report/report.h"
#include "libformat/report/report_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr llb::LayoutChoice kLayouts[] = {llb::LayoutChoice::Auto, llb::LayoutChoice::Rfc,
                                                   llb::LayoutChoice::Upstream};
  const std::uint8_t pick = data[size - 1];
  // One input in sixteen renders every chunk (--chunks): a line or a value per chunk.
  const llb::TextOptions opts{.every_chunk = (pick & 0xf0) == 0xf0};
  llb::ByteViewDevice dev("fuzz", std::span<const std::uint8_t>(data, size));
  const llb::Examination ex = llb::examine_devices({&dev}, kLayouts[pick % 3]);
  switch ((pick / 3) % 3) {
    case 0: (void)llb::render_text(ex, opts); break;
    case 1: (void)llb::render_export(ex); break;
    default: (void)llb::examination_json(ex, opts); break;
  }
  return 0;
}
