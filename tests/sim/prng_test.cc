// The simulator's PRNG: below() keeps the rejection limit of the last n it was asked for, and
// must still give exactly what plain rejection sampling with % gives (runs stay reproducible
// across versions).

#include "sim/core/prng.h"

#include <gtest/gtest.h>

#include <vector>

namespace llb::sim {
namespace {

TEST(Prng, BelowIsRejectionSamplingWithModulo) {
  // The reference: the algorithm below() had before it cached anything.
  auto reference = [](Prng& r, std::uint64_t n) -> std::uint64_t {
    if (n <= 1) return 0;
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    std::uint64_t x;
    do {
      x = r.next();
    } while (x >= limit);
    return x % n;
  };
  Prng a(5), b(5), pick(6);
  for (int i = 0; i < 200000; ++i) {
    // Repeated and changing n, as the simulator asks.
    const std::uint64_t n = pick.below(4) == 0 ? 1 + pick.next() % 1000 : 151;
    ASSERT_EQ(a.below(n), reference(b, n)) << "draw " << i << " n " << n;
  }
}

// below() divides by multiplying with a reciprocal: it must equal % for every divisor size,
// including powers of two, the largest ones and those just above a power of two.
TEST(Prng, BelowMatchesModuloForEveryDivisorSize) {
  std::vector<std::uint64_t> divisors = {2, 3, 7, 151, 1000, 1ull << 32, (1ull << 32) + 1,
                                         (1ull << 63) - 1, 1ull << 63, (1ull << 63) + 1,
                                         ~std::uint64_t{0} - 1, ~std::uint64_t{0}};
  Prng pick(11);
  for (int i = 0; i < 2000; ++i) divisors.push_back(pick.next() >> pick.below(64));
  for (int k = 1; k < 64; ++k) {
    divisors.push_back(std::uint64_t{1} << k);
    divisors.push_back((std::uint64_t{1} << k) + 1);
    divisors.push_back((std::uint64_t{1} << k) - 1);
  }
  for (std::uint64_t n : divisors) {
    if (n <= 1) continue;
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    Prng a(n), b(n);
    for (int j = 0; j < 200; ++j) {
      std::uint64_t x;
      do {
        x = b.next();
      } while (x >= limit);
      ASSERT_EQ(a.below(n), x % n) << "n " << n << " draw " << j;
    }
  }
}

}  // namespace
}  // namespace llb::sim
