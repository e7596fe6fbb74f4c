#pragma once
// The bitmap superblock (bitmap_super_t in drivers/md/md-bitmap.h), 256 bytes, little-endian.
// Version 4 is the classic bitmap; version 6 the lockless bitmap (llbitmap).

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "libformat/codec/status.h"

namespace llb {

inline constexpr std::uint32_t kBitmapMagic = 0x6d746962;  // "bitm"
inline constexpr std::size_t kBitmapSbBytes = 256;

enum BitmapVersion : std::uint32_t {
  kBitmapMajorHostEndian = 3,  // deprecated host-endian classic bitmap
  kBitmapMajorHi = 4,          // classic, little-endian
  kBitmapMajorClustered = 5,   // md-cluster
  kBitmapMajorLockless = 6,    // llbitmap
};

// Bit numbers of the state field (enum bitmap_state in the kernel that ships). The January 2025
// RFC used its own numbering: stale 0, error 1, first use 2.
enum BitmapStateBit : std::uint32_t {
  kBitmapStale = 1,
  kBitmapWriteError = 2,
  kBitmapFirstUse = 3,
  kBitmapClean = 4,
  kBitmapDaemonBusy = 5,
  kBitmapShutdown = 6,
  kBitmapHostEndian = 15,
};
inline constexpr std::uint32_t kRfcStaleBit = 0, kRfcErrorBit = 1, kRfcFirstUseBit = 2;

namespace bmsb {
inline constexpr std::size_t kMagic = 0, kVersion = 4, kUuid = 8, kEvents = 24,
                             kEventsCleared = 32, kSyncSize = 40, kState = 48, kChunksize = 52,
                             kDaemonSleep = 56, kWriteBehind = 60, kSectorsReserved = 64,
                             kNodes = 68, kClusterName = 72, kPad = 136;
}  // namespace bmsb
static_assert(bmsb::kPad + (256 - 136) == kBitmapSbBytes);

struct BitmapSuperblock {
  std::uint32_t magic = kBitmapMagic;
  std::uint32_t version = kBitmapMajorLockless;
  std::array<std::uint8_t, 16> uuid{};  // must equal the array UUID
  std::uint64_t events = 0;             // updated with (before) the md superblock's events
  std::uint64_t events_cleared = 0;     // events when bits were last cleared
  std::uint64_t sync_size = 0;          // sectors covered (resync range)
  std::uint32_t state = 0;              // BitmapStateBit flags
  std::uint32_t chunksize = 0;          // classic: bytes; lockless: SECTORS
  std::uint32_t daemon_sleep = 0;       // seconds
  std::uint32_t write_behind = 0;
  std::uint32_t sectors_reserved = 0;   // sectors reserved for the bitmap (llbitmap: 256)
  std::uint32_t nodes = 0;              // md-cluster nodes
  std::array<std::uint8_t, 64> cluster_name{};
  std::array<std::uint8_t, 120> pad{};  // zero when written; kept for round trips
};

// Checks the magic only: version and field checks are policy (see llbitmap_validate.h).
Result<BitmapSuperblock> decode_bitmap_superblock(std::span<const std::uint8_t> bytes,
                                                  const Where& where);
Status encode_bitmap_superblock(const BitmapSuperblock& sb, std::span<std::uint8_t> out);

std::string bitmap_version_name(std::uint32_t version);  // "6 (lockless)"

// The signature Linux 7.2's llbitmap leaves when it "infects" state block 0 on a device with
// 4 KiB logical blocks: that block also holds this superblock, and the infection turns its zero
// (and 1 and 4) bytes into 2 (Dirty), so a lockless superblock's version 6 reads 0x02020206 and
// the zero padding reads 0x02. True when the version is 6 with each upper byte 0x02.
bool lbs4k_infected(const BitmapSuperblock& sb);
// What a user can do about it, for every message that names it.
inline constexpr const char* kLbs4kWayOut =
    "on a stock kernel two writes among the first 3072 chunks infect it again: use 512-byte "
    "logical blocks for the array, or a kernel with the fix "
    "(docs/findings/lbs4k-superblock-infection.md)";
// Names of the set state bits in the upstream numbering ("first-use", "clean", ...).
std::vector<std::string> bitmap_state_names(std::uint32_t state);

}  // namespace llb
