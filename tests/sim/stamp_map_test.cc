// StampMap against the plainest possible model: a vector with one stamp per sector. Random
// fills and assignments at sector granularity (aligned, unaligned, within one block, across
// many, touching the short last block), then every way of reading the map back.

#include "sim/core/stamp_map.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "sim/core/prng.h"

namespace llb::sim {
namespace {

void expect_same(const StampMap& m, const std::vector<std::uint64_t>& want, const char* after) {
  ASSERT_EQ(m.size(), want.size());
  for (std::uint64_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(m[i], want[i]) << "sector " << i << " after " << after;
  }
  std::vector<std::uint64_t> all(want.size());
  m.read(0, want.size(), all.data());
  ASSERT_EQ(all, want) << after;
}

TEST(StampMap, AgreesWithOneStampPerSector) {
  for (std::uint64_t sectors : {std::uint64_t{8}, std::uint64_t{61}, std::uint64_t{256}}) {
    StampMap m(sectors);
    std::vector<std::uint64_t> want(sectors, 0);
    Prng p(sectors);
    for (int step = 0; step < 4000; ++step) {
      const std::uint64_t first = p.below(sectors);
      const std::uint64_t count = 1 + p.below(std::min<std::uint64_t>(sectors - first, 40));
      // Few distinct stamps, so writes often restore a block's uniformity.
      const std::uint64_t stamp = p.below(3);
      if (p.below(3) == 0) {
        std::vector<std::uint64_t> in(count);
        for (auto& v : in) v = p.below(2) ? stamp : p.below(3);
        m.assign(first, count, in.data());
        std::copy(in.begin(), in.end(), want.begin() + static_cast<std::ptrdiff_t>(first));
      } else {
        m.fill(first, count, stamp);
        std::fill_n(want.begin() + static_cast<std::ptrdiff_t>(first), count, stamp);
      }
      expect_same(m, want, "a write");
      // Runs cover the range in order, each of equal stamps, neighbours different.
      const std::uint64_t a = p.below(sectors), n = 1 + p.below(sectors - a);
      std::uint64_t at = a, last = ~std::uint64_t{0};
      m.for_each_run(a, n, [&](std::uint64_t s, std::uint64_t k, std::uint64_t v) {
        ASSERT_EQ(s, at);
        ASSERT_NE(v, last);
        for (std::uint64_t i = s; i < s + k; ++i) ASSERT_EQ(want[i], v);
        at = s + k;
        last = v;
      });
      ASSERT_EQ(at, a + n);
      std::uint64_t v = 0;
      const bool one = std::all_of(want.begin() + static_cast<std::ptrdiff_t>(a),
                                   want.begin() + static_cast<std::ptrdiff_t>(a + n),
                                   [&](std::uint64_t x) { return x == want[a]; });
      ASSERT_EQ(m.uniform(a, n, &v), one);
      if (one) {
        ASSERT_EQ(v, want[a]);
      }
    }
  }
}

// Whole-block fills on a map with no split block (the simulator's hot path, which stores
// without a loop for 1 to 16 blocks): every count from 0 to 40 blocks, at the start, in the
// middle and ending at the last block, changes exactly its own sectors.
TEST(StampMap, WholeBlockFillsOfEveryCountTouchOnlyTheirBlocks) {
  const std::uint64_t blocks = 48, sectors = blocks * StampMap::kBlockSectors;
  for (std::uint64_t n = 0; n <= 40; ++n) {
    for (std::uint64_t b0 : {std::uint64_t{0}, std::uint64_t{3}, blocks - n}) {
      StampMap m(sectors);
      std::vector<std::uint64_t> want(sectors);
      for (std::uint64_t s = 0; s < sectors; s += StampMap::kBlockSectors) {
        m.fill(s, StampMap::kBlockSectors, 100 + s);  // a different stamp in every block
        std::fill_n(want.begin() + static_cast<std::ptrdiff_t>(s), StampMap::kBlockSectors, 100 + s);
      }
      m.fill(b0 * StampMap::kBlockSectors, n * StampMap::kBlockSectors, 7);
      std::fill_n(want.begin() + static_cast<std::ptrdiff_t>(b0 * StampMap::kBlockSectors),
                  n * StampMap::kBlockSectors, 7);
      expect_same(m, want, "a whole-block fill");
    }
  }
}

TEST(StampMap, EqualityFollowsContentsNotHistory) {
  const std::uint64_t sectors = 100;
  Prng p(9);
  for (int round = 0; round < 300; ++round) {
    // The same contents reached by different writes must compare equal; a single different
    // sector must not, in the whole map and in every range that contains it.
    StampMap x(sectors), y(sectors);
    std::vector<std::uint64_t> want(sectors, 0);
    for (int w = 0; w < 20; ++w) {
      const std::uint64_t first = p.below(sectors), count = 1 + p.below(sectors - first);
      const std::uint64_t stamp = p.below(2);
      x.fill(first, count, stamp);
      std::fill_n(want.begin() + static_cast<std::ptrdiff_t>(first), count, stamp);
    }
    y.assign(0, sectors, want.data());  // one write, sector by sector
    EXPECT_TRUE(x == y);
    EXPECT_TRUE(x.range_equal(y, 0, sectors));
    const std::uint64_t odd = p.below(sectors);
    y.fill(odd, 1, 7);
    EXPECT_FALSE(x == y);
    EXPECT_FALSE(x.range_equal(y, odd, 1));
    const std::uint64_t lo = odd >= 3 ? odd - 3 : 0, hi = std::min<std::uint64_t>(odd + 4, sectors);
    EXPECT_FALSE(x.range_equal(y, lo, hi - lo));
    if (odd > 0) {
      EXPECT_TRUE(x.range_equal(y, 0, odd));
    }
    if (odd + 1 < sectors) {
      EXPECT_TRUE(x.range_equal(y, odd + 1, sectors - odd - 1));
    }
    y.fill(odd, 1, want[odd]);
    EXPECT_TRUE(x == y);  // back to the same contents: the split block merged again
  }
}

}  // namespace
}  // namespace llb::sim
