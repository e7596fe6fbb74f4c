// Fuzz target: reading a whole member (locate, decode, validate, geometry, state area, layout
// detection, assembly prediction and every rendering) from arbitrary device bytes never crashes.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "libformat/examine.h"
#include "libformat/report.h"
#include "libformat/report_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  llb::MemoryDevice dev("fuzz", std::vector<std::uint8_t>(data, data + size), 512, false);
  for (auto layout : {llb::LayoutChoice::Auto, llb::LayoutChoice::Rfc}) {
    llb::Examination ex = llb::examine_devices({&dev}, layout);
    (void)llb::render_text(ex, {});
    (void)llb::render_export(ex);
    (void)llb::json_text(llb::examination_to_json(ex, {}));
  }
  return 0;
}
