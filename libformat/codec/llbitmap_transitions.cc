#include "libformat/codec/llbitmap_transitions.h"

#include "libformat/codec/kernel_profile.h"


namespace llb {

int action_count(KernelVersion v) {
  return kernel_profile(v).action_count;
}

std::string_view action_name(Action a) {
  static constexpr std::array<std::string_view, 10> kNames = {
      "Startwrite", "Startsync", "Endsync", "Abortsync", "Reload",
      "Daemon",     "Discard",   "Stale",   "ProactiveSync", "ClearUnwritten"};
  return kNames[static_cast<std::size_t>(a)];
}


}  // namespace llb
