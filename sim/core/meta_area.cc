#include "sim/core/meta_area.h"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace llb::sim {

namespace {
// Version 0 is every page's first content (zeros). Later contents take numbers no other content
// has had, on any thread: each thread counts up within its own block of 2^40 numbers, taken once
// from a shared counter, so a write costs no atomic operation.
std::atomic<std::uint64_t> g_next_block{1};
std::uint64_t new_version() {
  thread_local std::uint64_t next = g_next_block.fetch_add(1, std::memory_order_relaxed) << 40;
  return next++;
}
}  // namespace

MetaArea::MetaArea(std::size_t size_bytes) : size_(size_bytes) {
  const std::size_t pages = (size_bytes + kPageBytes - 1) / kPageBytes;
  if (pages == 0) return;
  const MetaBytes zero = MetaBytes::zeros(kPageBytes);
  pages_.assign(pages, zero);
  if (const std::size_t tail = size_bytes % kPageBytes) pages_.back() = MetaBytes::zeros(tail);
  versions_.assign(pages, 0);
}

void MetaArea::read(std::uint64_t offset, std::uint8_t* out, std::size_t n) const {
  while (n > 0) {
    const std::size_t page = offset / kPageBytes, in = offset % kPageBytes;
    const std::size_t take = std::min<std::size_t>(n, page_bytes(page) - in);
    std::memcpy(out, pages_[page].data() + in, take);
    out += take;
    offset += take;
    n -= take;
  }
}

std::vector<std::uint8_t> MetaArea::read(std::uint64_t offset, std::size_t n) const {
  std::vector<std::uint8_t> out(n);
  read(offset, out.data(), n);
  return out;
}

void MetaArea::write(std::uint64_t offset, const std::uint8_t* in, std::size_t n) {
  while (n > 0) {
    const std::size_t page = offset / kPageBytes, at = offset % kPageBytes;
    const std::size_t take = std::min<std::size_t>(n, page_bytes(page) - at);
    std::memcpy(pages_[page].mutable_data() + at, in, take);
    versions_[page] = new_version();
    in += take;
    offset += take;
    n -= take;
  }
}

void MetaArea::write(std::uint64_t offset, const MetaBytes& b, std::size_t first, std::size_t n) {
  if (n == kPageBytes && first == 0 && b.size() == kPageBytes && offset % kPageBytes == 0 &&
      page_bytes(offset / kPageBytes) == kPageBytes) {
    const std::size_t page = offset / kPageBytes;
    if (!pages_[page].same_buffer(b)) {
      pages_[page] = b;
      versions_[page] = new_version();
    }
    return;
  }
  write(offset, b.data() + first, n);
}

void MetaArea::refresh(std::vector<std::uint8_t>& flat, std::vector<std::uint64_t>& versions) const {
  if (flat.size() != size_ || versions.size() != pages_.size()) {
    flat = bytes();
    versions = versions_;
    return;
  }
  for (std::size_t p = 0; p < pages_.size(); ++p) {
    if (versions[p] == versions_[p]) continue;
    std::memcpy(flat.data() + p * kPageBytes, pages_[p].data(), page_bytes(p));
    versions[p] = versions_[p];
  }
}

}  // namespace llb::sim
