// Fuzz target: what the writing tools do with a member set and with their own command-line
// numbers, on arbitrary input. The first byte picks one operation; the rest is split into two or
// three equal member heads (the metadata: md superblock, bitmap and state bytes), each followed by
// 64 KiB of zero data (one chunk), as writable memory devices. Operations: repair planned and applied,
// then planned again (every write must stay inside the members' metadata: the plan's own guard);
// a bitmap-driven or full resync planned and run; a verify; the command-line parsers (sizes,
// bounded numbers, UUIDs, trace labels) on the bytes as text. Nothing may crash, and nothing may
// be written outside the images.

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "libformat/ops/member_set.h"
#include "libformat/ops/repair.h"
#include "libformat/ops/resync.h"
#include "libformat/io/uuid.h"
#include "sim/workload/trace.h"
#include "tools/cli.h"

namespace {

void parse_arguments(std::string_view text) {
  const std::string s(text);
  (void)llb::cli::parse_unsigned(s, 1, 1u << 20);
  (void)llb::cli::parse_size(s);
  (void)llb::parse_uuid(s);
  (void)llb::parse_layout_choice(s);
  (void)llb::parse_kernel_version(s);
  (void)llb::sim::safe_file_label(s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t pick = data[0];
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  if (pick % 5 == 4) {
    parse_arguments(std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size()));
    return 0;
  }
  const std::size_t n = 2 + (pick >> 7);
  const std::size_t each = rest.size() / n;
  if (each < 4096) return 0;
  constexpr std::size_t kData = 64 << 10;
  // The member images live in buffers kept from input to input: a fresh 100 KiB allocation per
  // member and input was most of this target's time under ASan (its quarantine hands out new
  // pages, each a page fault), not the code under test.
  static std::vector<std::uint8_t> images[3];
  std::vector<std::unique_ptr<llb::BlockDevice>> devs;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::uint8_t>& image = images[i];
    image.assign(each + kData, 0);
    std::copy(rest.begin() + static_cast<std::ptrdiff_t>(i * each),
              rest.begin() + static_cast<std::ptrdiff_t>((i + 1) * each), image.begin());
    devs.push_back(std::make_unique<llb::ByteViewDevice>("m" + std::to_string(i),
                                                         std::span<std::uint8_t>(image)));
  }
  auto set = llb::MemberSet::from_devices(std::move(devs), llb::LayoutChoice::Auto);
  if (!set.ok()) return 0;
  llb::ResyncOptions opts;
  opts.full = (pick & 0x10) != 0;
  opts.io_bytes = 4096;
  switch (pick % 5) {
    case 0:
    case 1: {
      llb::RepairOptions ro;
      ro.force_lockless = (pick & 0x20) != 0;
      llb::RepairPlan plan = llb::plan_repair(*set, ro);
      if (pick % 5 == 1 && !plan.changes.empty()) {
        if (llb::apply_changes(llb::repair_targets(*set), plan.changes).ok() &&
            set->reload(llb::LayoutChoice::Auto).ok()) {
          (void)llb::plan_repair(*set, ro);
        }
      }
      break;
    }
    case 2: {
      auto plan = llb::plan_resync(*set, opts);
      if (plan.ok()) (void)llb::run_resync(*set, *plan, opts);
      break;
    }
    default:
      (void)llb::verify_mirrors(*set, opts);
      break;
  }
  return 0;
}
