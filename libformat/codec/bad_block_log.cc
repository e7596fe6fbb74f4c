#include "libformat/codec/bad_block_log.h"

#include <algorithm>

#include "libformat/codec/endian.h"

namespace llb {

BadBlockLog decode_bad_block_log(std::span<const std::uint8_t> bytes, std::uint8_t shift) {
  BadBlockLog log;
  for (std::size_t off = 0; off + 8 <= bytes.size(); off += 8) {
    const std::uint64_t bb = load_le64(bytes.data() + off);
    if (bb == ~std::uint64_t{0}) {
      log.terminated = true;
      break;
    }
    BadBlock b;
    // A shift of 64 or more is refused before the walk (bblog_shift check); keep it defined here.
    const unsigned s = shift < 64 ? shift : 0;
    b.sector = (bb >> 10) << s;
    b.sectors = (bb & 0x3ff) << s;
    if (b.sectors == 0) log.zero_length.push_back(log.entries.size());
    log.table_slots += std::max<std::uint64_t>(
        1, (b.sectors + kBadBlockEntryMaxLen - 1) / kBadBlockEntryMaxLen);
    log.entries.push_back(b);
  }
  return log;
}

void encode_bad_block_log(const std::vector<BadBlock>& entries, std::uint8_t shift,
                          std::span<std::uint8_t> out) {
  std::fill(out.begin(), out.end(), 0xff);
  std::size_t off = 0;
  for (const BadBlock& b : entries) {
    if (off + 8 > out.size()) break;
    const std::uint64_t v = ((b.sector >> shift) << 10) | ((b.sectors >> shift) & 0x3ff);
    store_le64(out.data() + off, v);
    off += 8;
  }
}

std::string bad_block_log_refusal(const BadBlockLog& log) {
  if (!log.zero_length.empty()) {
    const std::size_t i = log.zero_length.front();
    return str_cat("entry ", i, " (sector ", log.entries[i].sector,
                   ") has a length of 0, which badblocks_set refuses");
  }
  if (log.table_slots > kBadBlockTableEntries) {
    return str_cat("the ", log.entries.size(), " entries need ", log.table_slots,
                   " table slots, more than the kernel's ", kBadBlockTableEntries);
  }
  return {};
}

}  // namespace llb
