// The simulator's PRNG: below() keeps the rejection limit of the last n it was asked for, and
// must still give exactly what plain rejection sampling with % gives (runs stay reproducible
// across versions).

#include "sim/prng.h"

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

}  // namespace
}  // namespace llb::sim
