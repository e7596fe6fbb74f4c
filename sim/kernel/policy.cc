#include "sim/kernel/policy.h"

#include <iterator>
#include <string>

namespace llb::sim {
namespace {

constexpr KernelPolicy kUpstream{
    .model = KernelModel::Upstream,
    .name = "upstream",
    .format = &profiles::kUpstream,
    .state_machine = StateMachine::Linux72,
    .block_writes = true,
    .page_cache_writeback = false,
    .infects_blocks = true,
    .infect_unit_bytes = 0,
    .infect_spares_superblock = false,
    .unplug_waits_for_unplugs = false,
    .discard_whole_chunks_only = false,
    .page_barriers = true,
    .daemon_busy_retry = true,
    .initial_flush = true,
    .flush_through_daemon = true,
    .write_all_at_member_failure = true,
    .write_all_at_readd = true,
    .load_clears_runtime_flags = true,
    .skip_sync_blocks = true,
    .cond_end_sync = true,
    .clear_unwritten_at_recovery = true,
    .close_sync_expires_pages = true,
};

constexpr KernelPolicy kRfc{
    .model = KernelModel::Rfc,
    .name = "rfc",
    .format = &profiles::kRfc,
    .state_machine = StateMachine::Rfc,
    .block_writes = false,
    .page_cache_writeback = true,
    .infects_blocks = false,
    .infect_unit_bytes = 0,
    .infect_spares_superblock = false,
    .unplug_waits_for_unplugs = false,
    .discard_whole_chunks_only = false,
    .page_barriers = false,
    .daemon_busy_retry = false,
    .initial_flush = false,
    .flush_through_daemon = false,
    .write_all_at_member_failure = false,
    .write_all_at_readd = false,
    .load_clears_runtime_flags = false,
    .skip_sync_blocks = false,
    .cond_end_sync = false,
    .clear_unwritten_at_recovery = false,
    .close_sync_expires_pages = false,
};

// Linux 7.2 with the project's patches (tests/realkernel/patches): the unplug waits for unplugs
// in progress (0001), infection spares the superblock and covers 512 bytes (0003), a discard marks
// only whole chunks Unwritten (0004). The format is
// upstream's: the patches change no byte layout.
constexpr KernelPolicy kUpstreamPatched = [] {
  KernelPolicy p = kUpstream;
  p.model = KernelModel::UpstreamPatched;
  p.name = "upstream-patched";
  p.infect_unit_bytes = 512;
  p.infect_spares_superblock = true;
  p.unplug_waits_for_unplugs = true;
  p.discard_whole_chunks_only = true;
  return p;
}();

constexpr const KernelPolicy* kPolicies[] = {&kUpstream, &kRfc, &kUpstreamPatched};

}  // namespace

const KernelPolicy& kernel_policy(KernelModel m) {
  for (const KernelPolicy* p : kPolicies) {
    if (p->model == m) return *p;
  }
  return kUpstream;
}

std::string_view kernel_model_name(KernelModel m) { return kernel_policy(m).name; }

std::optional<KernelModel> parse_kernel_model(std::string_view name) {
  for (const KernelPolicy* p : kPolicies) {
    if (p->name == name) return p->model;
  }
  return std::nullopt;
}

std::string_view kernel_model_choices() {
  static const std::string choices = [] {
    std::string out;
    const std::size_t n = std::size(kPolicies);
    for (std::size_t i = 0; i < n; ++i) {
      if (i) out += i + 1 == n ? " or " : ", ";
      out += kPolicies[i]->name;
    }
    return out;
  }();
  return choices;
}

}  // namespace llb::sim
