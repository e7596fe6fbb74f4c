#pragma once
// What a simulated member's data area holds: per 512-byte sector, the stamp of the write whose
// pattern the sector carries (0 = zeroes, never written or discarded).
//
// Stored per 4 KiB block (eight sectors), because almost every write covers whole blocks: a
// block whose sectors all hold one stamp is one word; a block written in part keeps its eight
// stamps in a side table until a later write makes it uniform again. The form is canonical (a
// block is split only while its sectors differ), so comparing two maps compares their words.
// A 128 MiB member costs 256 KiB instead of 2 MiB, and a random 4 KiB write touches one word, so
// the simulator's stores stay in the CPU's caches.

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "sim/core/huge_alloc.h"

namespace llb::sim {

class StampMap {
 public:
  static constexpr std::uint32_t kBlockShift = 3;
  static constexpr std::uint32_t kBlockSectors = 1u << kBlockShift;

  StampMap() = default;
  explicit StampMap(std::uint64_t sectors);

  std::uint64_t size() const { return sectors_; }
  std::uint64_t operator[](std::uint64_t sector) const {
    const std::uint64_t b = sector >> kBlockShift;
    return is_split(b) ? split_[words_[b]][sector & (kBlockSectors - 1)] : words_[b];
  }

  // Every sector of [first, first + count) holds `stamp`. Up to 16 whole blocks on a map with no
  // split block (the simulator's completions and destages, nearly all fills) inline, and without
  // a branch on the count, since a mispredicted loop exit costs more than a few extra stores.
  [[gnu::always_inline]] void fill(std::uint64_t first, std::uint64_t count, std::uint64_t stamp) {
    const std::uint64_t n = count >> kBlockShift;
    if (((first | count) & (kBlockSectors - 1)) == 0 && split_count_ == 0 && n - 1 < 16) [[likely]] {
      std::uint64_t* const w = words_.data() + (first >> kBlockShift);
      if (n < 4) {  // 1 to 3 words: the first, the middle, the last
        w[0] = stamp;
        w[n >> 1] = stamp;
        w[n - 1] = stamp;
        return;
      }
      // 4 to 16 words: four runs of four, the later ones slid back to end at the last word
      // (overlapping when fewer than 16)
      for (std::uint64_t k = 0; k < 16; k += 4) {
        std::uint64_t* const r = w + std::min(k, n - 4);
        r[0] = r[1] = r[2] = r[3] = stamp;
      }
      return;
    }
    fill_other(first, count, stamp);
  }
  // Sector first + i holds stamps[i].
  void assign(std::uint64_t first, std::uint64_t count, const std::uint64_t* stamps);
  // Copies [first, first + count) into out.
  void read(std::uint64_t first, std::uint64_t count, std::uint64_t* out) const;
  // The runs of equal stamps in [first, first + count), in order: fn(first, count, stamp).
  template <class Fn>
  void for_each_run(std::uint64_t first, std::uint64_t count, Fn&& fn) const;
  // Whether every sector of [first, first + count) holds one stamp (then stored in *stamp).
  bool uniform(std::uint64_t first, std::uint64_t count, std::uint64_t* stamp) const;
  // Whether both maps hold the same stamps in [first, first + count).
  bool range_equal(const StampMap& other, std::uint64_t first, std::uint64_t count) const;
  bool operator==(const StampMap& other) const;

 private:
  using Block = std::array<std::uint64_t, kBlockSectors>;
  std::uint64_t blocks() const { return words_.size(); }
  bool is_split(std::uint64_t b) const { return (split_bits_[b >> 6] >> (b & 63)) & 1; }
  // Sectors of block b inside the map (the last block may be short).
  std::uint32_t block_valid(std::uint64_t b) const;
  void fill_block_part(std::uint64_t b, std::uint32_t from, std::uint32_t to, std::uint64_t stamp);
  void make_uniform(std::uint64_t b, std::uint64_t stamp);
  Block& split_block(std::uint64_t b);  // splits a uniform block if needed
  void merge_if_uniform(std::uint64_t b);
  void fill_whole_blocks(std::uint64_t b0, std::uint64_t b1, std::uint64_t stamp);
  void fill_other(std::uint64_t first, std::uint64_t count, std::uint64_t stamp);  // the rest of fill
  void fill_parts(std::uint64_t first, std::uint64_t count, std::uint64_t stamp);

  std::uint64_t sectors_ = 0;
  // Per block: its stamp, or, when its split bit is set, an index into split_.
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> words_;
  std::vector<std::uint64_t> split_bits_;
  std::uint64_t split_count_ = 0;  // blocks split now (none: no bit to test)
  std::vector<Block> split_;
  std::vector<std::uint32_t> free_split_;
};

template <class Fn>
void StampMap::for_each_run(std::uint64_t first, std::uint64_t count, Fn&& fn) const {
  const std::uint64_t end = first + count;
  std::uint64_t run_start = first, run_stamp = 0;
  bool open = false;
  auto add = [&](std::uint64_t at, std::uint64_t stamp) {  // sectors from `at` hold `stamp`
    if (open && stamp == run_stamp) return;
    if (open) fn(run_start, at - run_start, run_stamp);
    run_start = at;
    run_stamp = stamp;
    open = true;
  };
  std::uint64_t s = first;
  while (s < end) {
    const std::uint64_t b = s >> kBlockShift;
    const std::uint64_t block_end = std::min<std::uint64_t>((b + 1) << kBlockShift, end);
    if (!is_split(b)) {
      add(s, words_[b]);
      s = block_end;
    } else {
      const Block& blk = split_[words_[b]];
      for (; s < block_end; ++s) add(s, blk[s & (kBlockSectors - 1)]);
    }
  }
  if (open) fn(run_start, end - run_start, run_stamp);
}

}  // namespace llb::sim
