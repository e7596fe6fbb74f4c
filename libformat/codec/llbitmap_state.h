#pragma once
// The llbitmap per-chunk states: one byte per chunk. Two kernel versions exist:
//  - Upstream (Linux 7.2, md-llbitmap.c): 8 states, state bytes at bitmap superblock + 1024.
//  - Rfc (the January 2025 "md: introduce llbitmap" RFC): 5 states, state bytes at + 4096.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace llb {

enum class KernelVersion : std::uint8_t { Upstream, Rfc };
std::string_view kernel_version_name(KernelVersion v);  // "upstream" / "rfc"
std::optional<KernelVersion> parse_kernel_version(std::string_view name);  // the inverse

enum class State : std::uint8_t {
  Unwritten = 0,          // never written: no resync or recovery needed
  Clean = 1,              // mirrors consistent
  Dirty = 2,              // written recently; consistent once the write completes
  NeedSync = 3,           // must be resynced
  Syncing = 4,            // resync in progress
  NeedSyncUnwritten = 5,  // raid456 proactive sync requested (upstream only)
  SyncingUnwritten = 6,   // raid456 proactive sync running (upstream only)
  CleanUnwritten = 7,     // raid456 parity built, no user data (upstream only)
};
inline constexpr std::uint8_t kBitNone = 0xff;  // "no state": filler, and "no transition"
inline constexpr int kUpstreamStateCount = 8;
inline constexpr int kRfcStateCount = 5;

constexpr int state_count(KernelVersion v) {
  return v == KernelVersion::Upstream ? kUpstreamStateCount : kRfcStateCount;
}
constexpr bool is_valid_state(std::uint8_t byte, KernelVersion v) { return byte < state_count(v); }
std::string_view state_name(State s);         // kernel name without "Bit": "NeedSync"
std::string_view state_sysfs_label(State s);  // label in sysfs llbitmap/bits: "need sync"
std::string_view state_key(State s);          // for KEY=VALUE and JSON: "need_sync"

// Bytes where each layout puts chunk 0's state, relative to the bitmap superblock.
inline constexpr std::uint32_t kUpstreamDataOffsetBytes = 1024;  // BITMAP_DATA_OFFSET
inline constexpr std::uint32_t kRfcDataOffsetBytes = 4096;       // page 1 of the bitmap disk
inline constexpr std::uint32_t kBitmapPageBytes = 4096;

// Whether a byte outside the state bytes, `offset` bytes into the bitmap area, is intact filler:
// 0xff where mdadm wrote it (page 0); past page 0 mdadm writes nothing, so the bytes after the last
// chunk there are what the device held, zeros on a new device (issue 15: flagging them was a false
// alarm on every array over 3072 chunks).
inline bool is_filler_byte(std::uint64_t offset, std::uint8_t b) {
  return b == 0xff || (offset >= kBitmapPageBytes && b == 0x00);
}
std::uint32_t state_data_offset_bytes(KernelVersion v);

// True for the states whose chunks assembly does not resync after a crash (Reload leaves them
// alone or turns them into Unwritten): everything but Dirty, NeedSync and Syncing.
bool state_forgets_divergence(State s);

}  // namespace llb
