#pragma once
// The crash explorer's hashes: of sector contents (equal contents give equal hashes, whichever
// way they were written: one stamp for a whole write, or a stamp per sector), of requests (a crash
// state's identity is the set of requests whose bytes are on the disks), and the count of
// distinct states.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace llb::sim {

inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
inline std::uint64_t uniform_hash(std::uint64_t v, std::uint64_t n) {
  return mix64(v ^ mix64(n + 0x1234567));
}
inline std::uint64_t slice_hash(const std::uint64_t* p, std::uint64_t n) {
  // Uniform when every stamp equals the next one (memcmp is the fastest way to ask).
  if (n <= 1 || std::memcmp(p, p + 1, (n - 1) * sizeof(std::uint64_t)) == 0) {
    return uniform_hash(n ? p[0] : 0, n);
  }
  std::uint64_t h = 0x9e3779b97f4a7c15ull;
  for (std::uint64_t i = 0; i < n; ++i) h += mix64(p[i] ^ (i * 0xff51afd7ed558ccdull));
  return h;
}

// A request's share of the additive state hash: every request issued so far (a prefix sum over
// request ids), less those lost or wholly overwritten by a later one that landed, with torn ones
// counted as their own kind. An additive hash of that set lets a crash state at one point match
// the same content reached at another.
inline std::uint64_t request_mix(std::uint32_t member, std::uint64_t id) {
  std::uint64_t z = id * 0x9e3779b97f4a7c15ull + member * 0xbf58476d1ce4e5b9ull + 1;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Distinct states are counted from the hashes of all states: appending is cheap and cache
// friendly; sorting once at the end does the rest.
class HashCounter {
 public:
  void insert(std::uint64_t h) {
    if (hashes_.size() < kLimit) hashes_.push_back(h);
  }
  std::size_t distinct() {
    std::sort(hashes_.begin(), hashes_.end());
    return static_cast<std::size_t>(std::unique(hashes_.begin(), hashes_.end()) - hashes_.begin());
  }

 private:
  static constexpr std::size_t kLimit = 64u << 20;  // 512 MiB of hashes at most
  std::vector<std::uint64_t> hashes_;
};

}  // namespace llb::sim
