#pragma once
// A member disk's metadata area (md superblock, bitmap superblock, state bytes): its bytes held
// in 4 KiB pages that copies of the area, and the metadata writes that filled them, share until
// one of them changes a page (copy on write).
//
// A disk keeps two views of this area (what a reader sees, what survives power loss) and a crash
// makes one the other; the RFC writes a whole 4 KiB state page for most user writes, to every
// member, where it lands in both views. Shared pages make each of those a reference instead of a
// 4 KiB copy.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/core/meta_bytes.h"

namespace llb::sim {

class MetaArea {
 public:
  static constexpr std::size_t kPageBytes = 4096;

  MetaArea() = default;
  explicit MetaArea(std::size_t size_bytes);  // all zero

  std::size_t size() const { return size_; }
  // Copies bytes [offset, offset + n) out; the range must lie inside the area.
  void read(std::uint64_t offset, std::uint8_t* out, std::size_t n) const;
  std::vector<std::uint8_t> read(std::uint64_t offset, std::size_t n) const;
  std::vector<std::uint8_t> bytes() const { return read(0, size_); }
  std::uint8_t byte(std::uint64_t offset) const {
    return pages_[offset / kPageBytes].data()[offset % kPageBytes];
  }

  // Writes n bytes at offset, copying only the pages it touches.
  void write(std::uint64_t offset, const std::uint8_t* in, std::size_t n);
  // Writes bytes [first, first + n) of `b` at offset. A write that is exactly one whole, aligned
  // page takes `b`'s buffer as that page instead of copying it.
  void write(std::uint64_t offset, const MetaBytes& b, std::size_t first, std::size_t n);

  // Brings `flat` (a plain copy of this area, or empty) up to date, copying only the pages that
  // changed since `versions` was filled by the previous call: a reader that wants contiguous
  // bytes pays for what changed, not for the whole area.
  void refresh(std::vector<std::uint8_t>& flat, std::vector<std::uint64_t>& versions) const;

 private:
  std::uint64_t page_bytes(std::size_t page) const {
    return std::min<std::uint64_t>(kPageBytes, size_ - page * kPageBytes);
  }

  std::vector<MetaBytes> pages_;
  // Each page's version: a number no other content of any page of any area has had, so equal
  // versions mean equal bytes (copies of an area keep their pages' versions).
  std::vector<std::uint64_t> versions_;
  std::size_t size_ = 0;
};

}  // namespace llb::sim
