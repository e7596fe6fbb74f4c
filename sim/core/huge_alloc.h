#pragma once
// An allocator for the simulator's large stamp arrays: it asks for 2 MiB-aligned memory and
// advises the kernel to back it with transparent huge pages, so random writes across a large
// member's stamps do not miss the TLB on every access (arrays under 2 MiB, such as a 128 MiB
// member's block stamps, get plain memory). Falls back to normal pages silently
// (madvise is advice; the contents are the same either way).

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace llb::sim {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  static constexpr std::size_t kHuge = std::size_t{2} << 20;

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge) {
      void* p = std::malloc(bytes == 0 ? 1 : bytes);
      if (!p) throw std::bad_alloc();
      return static_cast<T*>(p);
    }
    const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
    void* p = std::aligned_alloc(kHuge, rounded);
    if (!p) throw std::bad_alloc();
    ::madvise(p, rounded, MADV_HUGEPAGE);
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }

  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
};

}  // namespace llb::sim
