#pragma once
// The bytes of a metadata write (bitmap blocks or pages, md superblocks), made once and shared,
// read-only, by the copies of the write sent to every member and by the crash explorer's view of
// it: a bitmap page goes to each mirror without being copied for each.

#include <cstdint>
#include <memory>
#include <vector>

namespace llb::sim {

class MetaBytes {
 public:
  MetaBytes() = default;
  explicit MetaBytes(std::vector<std::uint8_t> bytes)
      : p_(std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes))) {}
  template <class It>
  MetaBytes(It first, It last) : MetaBytes(std::vector<std::uint8_t>(first, last)) {}

  const std::uint8_t* data() const { return p_ ? p_->data() : nullptr; }
  std::size_t size() const { return p_ ? p_->size() : 0; }
  bool empty() const { return size() == 0; }
  void clear() { p_.reset(); }

 private:
  std::shared_ptr<const std::vector<std::uint8_t>> p_;
};

}  // namespace llb::sim
