#pragma once
// Each kernel version's llbitmap as data: where its state bytes sit, how many states and actions
// its state machine has and its transition table, its numbering of the bitmap superblock's state
// bits, and the unit it writes the states in. The one place Linux 7.2 and the January 2025 RFC
// differ on disk; code asks the profile instead of testing the version. A new version, or a
// variant of one, is one more profile here (and, for behaviour, one policy in sim/kernel/).

#include <cstdint>
#include <string_view>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/codec/llbitmap_state.h"
#include "libformat/codec/llbitmap_transitions.h"

namespace llb {

// How the kernel writes state bytes back: logical blocks (Linux 7.2: only the dirty blocks of a
// page, PREFLUSH|FUA) or whole 4 KiB pages through the page cache (the RFC).
enum class StateWriteUnit : std::uint8_t { LogicalBlock, Page };

struct KernelProfile {
  KernelVersion version;
  std::string_view name;          // "upstream", "rfc": the command line's word
  std::string_view title;         // "Linux 7.2", "the January 2025 RFC"
  int state_count;                // states 0..state_count-1 are valid state bytes
  int action_count;
  std::uint32_t data_offset_bytes;  // chunk 0's state byte, from the bitmap superblock
  // Bit numbers of the bitmap superblock's state field.
  std::uint32_t stale_bit, error_bit, first_use_bit;
  bool honours_clean_flag;        // CLEAN with FIRST_USE (mdadm --assume-clean): chunks start Clean
  StateWriteUnit write_unit;
  // mdadm's 0xff filler stays after the last chunk, to the end of its state page: the kernel
  // never writes there (the RFC keeps its states on pages of their own, filler on page 0 only).
  bool filler_after_states;
  // A degraded array's recovery visits Dirty chunks too (Startsync turns them Syncing).
  bool degraded_recovers_dirty;
  const std::uint8_t* table;      // next state, table[state * action_count + action]
};

namespace profiles {
inline constexpr KernelProfile kUpstream{
    KernelVersion::Upstream, "upstream", "Linux 7.2", kUpstreamStateCount, kUpstreamActionCount,
    kUpstreamDataOffsetBytes, kBitmapStale, kBitmapWriteError, kBitmapFirstUse, true,
    StateWriteUnit::LogicalBlock, true, true, transition_tables::kUpstream[0].data()};
inline constexpr KernelProfile kRfc{
    KernelVersion::Rfc, "rfc", "the January 2025 RFC", kRfcStateCount, kRfcActionCount,
    kRfcDataOffsetBytes, kRfcStaleBit, kRfcErrorBit, kRfcFirstUseBit, false,
    StateWriteUnit::Page, false, false, transition_tables::kRfc[0].data()};
}  // namespace profiles

constexpr const KernelProfile& kernel_profile(KernelVersion v) {
  return v == KernelVersion::Upstream ? profiles::kUpstream : profiles::kRfc;
}

// Every profile, in the order tools list them.
inline constexpr const KernelProfile* kKernelProfiles[] = {&profiles::kUpstream, &profiles::kRfc};

}  // namespace llb
