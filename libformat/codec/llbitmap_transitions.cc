#include "libformat/codec/llbitmap_transitions.h"


namespace llb {

int action_count(KernelVersion v) {
  return v == KernelVersion::Upstream ? kUpstreamActionCount : kRfcActionCount;
}

std::string_view action_name(Action a) {
  static constexpr std::array<std::string_view, 10> kNames = {
      "Startwrite", "Startsync", "Endsync", "Abortsync", "Reload",
      "Daemon",     "Discard",   "Stale",   "ProactiveSync", "ClearUnwritten"};
  return kNames[static_cast<std::size_t>(a)];
}


}  // namespace llb
