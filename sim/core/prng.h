#pragma once
// The simulator's own deterministic random numbers: splitmix64 expands one seed into the state of
// xoshiro256**. No std::*_distribution: their output differs between standard libraries.

#include <bit>
#include <cstdint>

namespace llb::sim {

__extension__ typedef unsigned __int128 Uint128;  // GCC and Clang: for the high word of a product

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : x_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (x_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t x_;
};

class Prng {
 public:
  explicit Prng(std::uint64_t seed) {
    SplitMix64 sm(seed);
    for (auto& w : s_) w = sm.next();
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n), n > 0, without modulo bias (rejection sampling).
  std::uint64_t below(std::uint64_t n) {
    if (n <= 1) return 0;
    // Callers ask for the same n again and again (latencies): keep its limit and reciprocal.
    if (n != limit_n_) set_divisor(n);
    const std::uint64_t limit = limit_;
    std::uint64_t x;
    do {
      x = next();
    } while (x >= limit);
    return x - quotient(x) * n;  // x % n, without a division instruction
  }
  // Uniform in [lo, hi], lo <= hi.
  std::uint64_t range(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
  // True with probability num/den.
  bool chance(std::uint64_t num, std::uint64_t den) { return below(den) < num; }
  // A new independent generator, for giving a subsystem its own stream.
  Prng fork() { return Prng(next()); }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  // Division by a run-time invariant n (Granlund and Montgomery, PLDI 1994, figure 4.1): with
  // l = ceil(log2 n), m = floor(2^64 * (2^l - n) / n) + 1 and t = high word of m * x,
  // floor(x / n) = (t + ((x - t) >> 1)) >> (l - 1) for every 64-bit x. A 64-bit division takes
  // tens of cycles and every disk request draws a latency; this takes a multiply.
  void set_divisor(std::uint64_t n) {  // n >= 2
    limit_n_ = n;
    limit_ = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    const int l = 64 - std::countl_zero(n - 1);                  // ceil(log2 n), 1..64
    const std::uint64_t two_l_minus_n = (l == 64 ? 0 : std::uint64_t{1} << l) - n;  // mod 2^64
    magic_ = static_cast<std::uint64_t>((static_cast<Uint128>(two_l_minus_n) << 64) / n) + 1;
    shift_ = l - 1;
  }
  std::uint64_t quotient(std::uint64_t x) const {
    const std::uint64_t t =
        static_cast<std::uint64_t>((static_cast<Uint128>(magic_) * x) >> 64);
    return (t + ((x - t) >> 1)) >> shift_;
  }

  std::uint64_t s_[4];
  // below(): the last n, its rejection limit and its reciprocal
  std::uint64_t limit_n_ = 0, limit_ = 0, magic_ = 0;
  int shift_ = 0;
};

}  // namespace llb::sim
