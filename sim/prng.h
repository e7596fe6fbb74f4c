#pragma once
// The simulator's own deterministic random numbers: splitmix64 expands one seed into the state of
// xoshiro256**. No std::*_distribution: their output differs between standard libraries.

#include <cstdint>

namespace llb::sim {

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
    // Callers ask for the same n again and again (latencies): keep its limit.
    if (n != limit_n_) {
      limit_n_ = n;
      limit_ = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    }
    const std::uint64_t limit = limit_;
    std::uint64_t x;
    do {
      x = next();
    } while (x >= limit);
    return x % n;
  }
  // Uniform in [lo, hi], lo <= hi.
  std::uint64_t range(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
  // True with probability num/den.
  bool chance(std::uint64_t num, std::uint64_t den) { return below(den) < num; }
  // A new independent generator, for giving a subsystem its own stream.
  Prng fork() { return Prng(next()); }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
  std::uint64_t limit_n_ = 0, limit_ = 0;  // below(): the last n and its rejection limit
};

}  // namespace llb::sim
