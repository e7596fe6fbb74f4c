#pragma once
// The md bad-block log of a v1.x member: up to bblog_size sectors at bblog_offset (signed, from
// the superblock), read by super_1_load when feature_map has the bad-blocks bit. Each entry is a
// little-endian u64: the first bad sector >> bblog_shift in the high 54 bits, the number of bad
// sectors >> bblog_shift in the low 10; an all-ones entry ends the list (md fills the page with
// 0xff before writing the entries).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "libformat/codec/status.h"

namespace llb {

inline constexpr std::uint32_t kBadBlockLogMaxSectors = 8;    // one page: super_1_load's limit
inline constexpr std::uint32_t kBadBlockTableEntries = 512;   // MAX_BADBLOCKS of one page
inline constexpr std::uint32_t kBadBlockEntryMaxLen = 512;    // BB_MAX_LEN

struct BadBlock {
  std::uint64_t sector = 0;   // absolute on the member (md adds data_offset when it records one)
  std::uint64_t sectors = 0;  // already shifted by bblog_shift
};

struct BadBlockLog {
  std::vector<BadBlock> entries;       // in log order, up to the terminator
  std::vector<std::size_t> zero_length;  // indices of entries with a length of 0
  bool terminated = false;             // an all-ones entry was found
  // Table slots the kernel needs for these entries (ranges longer than BB_MAX_LEN take several).
  std::uint64_t table_slots = 0;
};

// Decodes `bytes` (bblog_size sectors) as super_1_load walks it.
BadBlockLog decode_bad_block_log(std::span<const std::uint8_t> bytes, std::uint8_t shift);

// Encodes entries as md_update_sb writes them: the page is 0xff first, then the entries.
void encode_bad_block_log(const std::vector<BadBlock>& entries, std::uint8_t shift,
                          std::span<std::uint8_t> out);

// Why super_1_load would fail on this log (badblocks_set refuses a zero-length range and a table
// that overflows), or an empty string when it loads.
std::string bad_block_log_refusal(const BadBlockLog& log);

}  // namespace llb
