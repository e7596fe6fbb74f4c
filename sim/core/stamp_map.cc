#include "sim/core/stamp_map.h"

#include <algorithm>

namespace llb::sim {

StampMap::StampMap(std::uint64_t sectors)
    : sectors_(sectors),
      words_((sectors + kBlockSectors - 1) >> kBlockShift, 0),
      split_bits_((words_.size() + 63) / 64, 0) {}

std::uint32_t StampMap::block_valid(std::uint64_t b) const {
  const std::uint64_t start = b << kBlockShift;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(kBlockSectors, sectors_ - start));
}

void StampMap::make_uniform(std::uint64_t b, std::uint64_t stamp) {
  if (is_split(b)) {
    free_split_.push_back(static_cast<std::uint32_t>(words_[b]));
    split_bits_[b >> 6] &= ~(std::uint64_t{1} << (b & 63));
    --split_count_;
  }
  words_[b] = stamp;
}

StampMap::Block& StampMap::split_block(std::uint64_t b) {
  if (is_split(b)) return split_[words_[b]];
  std::uint32_t idx;
  if (!free_split_.empty()) {
    idx = free_split_.back();
    free_split_.pop_back();
  } else {
    idx = static_cast<std::uint32_t>(split_.size());
    split_.emplace_back();
  }
  split_[idx].fill(words_[b]);
  words_[b] = idx;
  split_bits_[b >> 6] |= std::uint64_t{1} << (b & 63);
  ++split_count_;
  return split_[idx];
}

void StampMap::merge_if_uniform(std::uint64_t b) {
  const Block& blk = split_[words_[b]];
  const std::uint32_t n = block_valid(b);
  for (std::uint32_t i = 1; i < n; ++i) {
    if (blk[i] != blk[0]) return;
  }
  make_uniform(b, blk[0]);
}

void StampMap::fill_block_part(std::uint64_t b, std::uint32_t from, std::uint32_t to,
                               std::uint64_t stamp) {
  if (from == 0 && to >= block_valid(b)) {
    make_uniform(b, stamp);
    return;
  }
  if (!is_split(b) && words_[b] == stamp) return;
  Block& blk = split_block(b);
  std::fill(blk.begin() + from, blk.begin() + to, stamp);
  merge_if_uniform(b);
}

void StampMap::fill_other(std::uint64_t first, std::uint64_t count, std::uint64_t stamp) {
  if (((first | count) & (kBlockSectors - 1)) != 0) {
    fill_parts(first, count, stamp);
  } else {
    fill_whole_blocks(first >> kBlockShift, (first + count) >> kBlockShift, stamp);
  }
}

void StampMap::fill_whole_blocks(std::uint64_t b0, std::uint64_t b1, std::uint64_t stamp) {
  if (split_count_ == 0) {
    std::fill(words_.begin() + static_cast<std::ptrdiff_t>(b0),
              words_.begin() + static_cast<std::ptrdiff_t>(b1), stamp);
    return;
  }
  for (std::uint64_t b = b0; b < b1; ++b) {
    if (is_split(b)) make_uniform(b, stamp);
    words_[b] = stamp;
  }
}

void StampMap::fill_parts(std::uint64_t first, std::uint64_t count, std::uint64_t stamp) {
  if (count == 0) return;
  const std::uint64_t end = first + count;
  const std::uint64_t b0 = first >> kBlockShift, b1 = (end - 1) >> kBlockShift;
  const std::uint32_t head = static_cast<std::uint32_t>(first & (kBlockSectors - 1));
  const std::uint32_t tail = static_cast<std::uint32_t>(((end - 1) & (kBlockSectors - 1)) + 1);
  if (b0 == b1) {
    fill_block_part(b0, head, tail, stamp);
    return;
  }
  std::uint64_t lo = b0, hi = b1 + 1;
  if (head != 0) {
    fill_block_part(b0, head, kBlockSectors, stamp);
    ++lo;
  }
  if (tail < block_valid(b1)) {
    fill_block_part(b1, 0, tail, stamp);
    --hi;
  }
  fill_whole_blocks(lo, hi, stamp);
}

void StampMap::assign(std::uint64_t first, std::uint64_t count, const std::uint64_t* stamps) {
  const std::uint64_t end = first + count;
  std::uint64_t s = first;
  while (s < end) {
    const std::uint64_t b = s >> kBlockShift;
    const std::uint32_t from = static_cast<std::uint32_t>(s & (kBlockSectors - 1));
    const std::uint32_t to = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(kBlockSectors, end - (b << kBlockShift)));
    const std::uint64_t* in = stamps + (s - first);
    const std::uint32_t n = to - from;
    if (std::all_of(in + 1, in + n, [&](std::uint64_t v) { return v == in[0]; })) {
      fill_block_part(b, from, to, in[0]);
    } else {
      Block& blk = split_block(b);
      std::copy(in, in + n, blk.begin() + from);
      merge_if_uniform(b);
    }
    s += n;
  }
}

void StampMap::read(std::uint64_t first, std::uint64_t count, std::uint64_t* out) const {
  for_each_run(first, count, [&](std::uint64_t at, std::uint64_t n, std::uint64_t stamp) {
    std::fill(out + (at - first), out + (at - first) + n, stamp);
  });
}

bool StampMap::uniform(std::uint64_t first, std::uint64_t count, std::uint64_t* stamp) const {
  if (count == 0) return false;
  const std::uint64_t v = (*this)[first], end = first + count;
  std::uint64_t s = first;
  while (s < end) {
    const std::uint64_t b = s >> kBlockShift;
    const std::uint64_t block_end = std::min<std::uint64_t>((b + 1) << kBlockShift, end);
    if (!is_split(b)) {
      if (words_[b] != v) return false;
      s = block_end;
      continue;
    }
    const Block& blk = split_[words_[b]];
    for (; s < block_end; ++s) {
      if (blk[s & (kBlockSectors - 1)] != v) return false;
    }
  }
  *stamp = v;
  return true;
}

bool StampMap::range_equal(const StampMap& o, std::uint64_t first, std::uint64_t count) const {
  const std::uint64_t end = first + count;
  std::uint64_t s = first;
  while (s < end) {
    const std::uint64_t b = s >> kBlockShift;
    const std::uint64_t block_end = std::min<std::uint64_t>((b + 1) << kBlockShift, end);
    if (!is_split(b) && !o.is_split(b)) {
      if (words_[b] != o.words_[b]) return false;
      s = block_end;
      continue;
    }
    for (; s < block_end; ++s) {
      if ((*this)[s] != o[s]) return false;
    }
  }
  return true;
}

bool StampMap::operator==(const StampMap& o) const {
  if (sectors_ != o.sectors_) return false;
  if (split_bits_ != o.split_bits_) return false;  // canonical: same contents, same splits
  for (std::uint64_t b = 0; b < blocks(); ++b) {
    if (!is_split(b)) {
      if (words_[b] != o.words_[b]) return false;
      continue;
    }
    const Block& x = split_[words_[b]];
    const Block& y = o.split_[o.words_[b]];
    if (!std::equal(x.begin(), x.begin() + block_valid(b), y.begin())) return false;
  }
  return true;
}

}  // namespace llb::sim
