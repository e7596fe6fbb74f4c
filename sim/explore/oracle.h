#pragma once
// The crash explorer's own reading of the kernel's load rules, written from the format's profile,
// apart from the model's transition tables (a checker must not share the logic it checks).
// After assembly the kernel resyncs a chunk unless its loaded state says the mirrors agree:
// Unwritten, Clean and CleanUnwritten. Reload keeps those three; Dirty, NeedSync and Syncing (and
// the Unwritten sync states) end up resynced; a byte that is no state is forced to NeedSync. A
// stale bitmap (events behind) takes every chunk but the never-written ones to NeedSync.
// FIRST_USE re-initialises every chunk (Unwritten, or Clean with --assume-clean): nothing is
// resynced. A bitmap superblock the kernel refuses fails the assembly.

#include <array>
#include <cstdint>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/codec/endian.h"
#include "libformat/codec/kernel_profile.h"

namespace llb::sim {

enum class LoadMode : std::uint8_t { Reload, Stale, FirstUse, Refused };

// Whether assembly resyncs a chunk whose state byte is `byte`, loaded in `mode`.
inline bool resynced(std::uint8_t byte, LoadMode mode, const KernelProfile& format) {
  constexpr auto kUnwritten = static_cast<std::uint8_t>(State::Unwritten);
  constexpr auto kClean = static_cast<std::uint8_t>(State::Clean);
  constexpr auto kCleanUnwritten = static_cast<std::uint8_t>(State::CleanUnwritten);
  if (byte >= format.state_count) return mode != LoadMode::FirstUse;
  switch (mode) {
    case LoadMode::FirstUse:
    case LoadMode::Refused:
      return false;
    case LoadMode::Stale:
      return byte != kUnwritten && byte != kCleanUnwritten;
    case LoadMode::Reload:
      return byte != kUnwritten && byte != kClean && byte != kCleanUnwritten;
  }
  return true;
}

// How the kernel loads a bitmap whose superblock is the 256 bytes at `bsb`, in an array whose
// freshest md events are `max_events`.
inline LoadMode load_mode(const std::uint8_t* bsb, std::uint64_t max_events,
                          const KernelProfile& format) {
  const std::uint32_t magic = load_le32(bsb + bmsb::kMagic);
  const std::uint32_t version = load_le32(bsb + bmsb::kVersion);
  const std::uint32_t state = load_le32(bsb + bmsb::kState);
  if (magic != kBitmapMagic || version != kBitmapMajorLockless) return LoadMode::Refused;
  if (state & (1u << format.first_use_bit)) return LoadMode::FirstUse;
  if (load_le64(bsb + bmsb::kEvents) < max_events) return LoadMode::Stale;
  return LoadMode::Reload;
}

// Per byte value: bit 0, resynced after Reload; bit 1, after Stale.
using FlagTable = std::array<std::uint8_t, 256>;
inline FlagTable flag_table(const KernelProfile& format) {
  FlagTable t{};
  for (int b = 0; b < 256; ++b) {
    t[b] = static_cast<std::uint8_t>(
        resynced(static_cast<std::uint8_t>(b), LoadMode::Reload, format) |
        (resynced(static_cast<std::uint8_t>(b), LoadMode::Stale, format) << 1));
  }
  return t;
}

}  // namespace llb::sim
