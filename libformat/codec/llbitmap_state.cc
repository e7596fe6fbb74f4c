#include "libformat/codec/llbitmap_state.h"

#include "libformat/codec/kernel_profile.h"

namespace llb {

std::string_view kernel_version_name(KernelVersion v) { return kernel_profile(v).name; }

std::optional<KernelVersion> parse_kernel_version(std::string_view name) {
  for (const KernelProfile* p : kKernelProfiles) {
    if (p->name == name) return p->version;
  }
  return std::nullopt;
}

std::string_view state_name(State s) {
  static constexpr std::array<std::string_view, 8> kNames = {
      "Unwritten", "Clean", "Dirty", "NeedSync", "Syncing", "NeedSyncUnwritten",
      "SyncingUnwritten", "CleanUnwritten"};
  auto i = static_cast<std::size_t>(s);
  return i < kNames.size() ? kNames[i] : "Invalid";
}

std::string_view state_sysfs_label(State s) {
  static constexpr std::array<std::string_view, 8> kLabels = {
      "unwritten", "clean", "dirty", "need sync", "syncing", "need sync unwritten",
      "syncing unwritten", "clean unwritten"};
  auto i = static_cast<std::size_t>(s);
  return i < kLabels.size() ? kLabels[i] : "invalid";
}

std::string_view state_key(State s) {
  static constexpr std::array<std::string_view, 8> kKeys = {
      "unwritten", "clean", "dirty", "need_sync", "syncing", "need_sync_unwritten",
      "syncing_unwritten", "clean_unwritten"};
  auto i = static_cast<std::size_t>(s);
  return i < kKeys.size() ? kKeys[i] : "invalid";
}

std::uint32_t state_data_offset_bytes(KernelVersion v) {
  return kernel_profile(v).data_offset_bytes;
}

bool state_forgets_divergence(State s) {
  return !(s == State::Dirty || s == State::NeedSync || s == State::Syncing);
}

}  // namespace llb
