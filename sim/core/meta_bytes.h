#pragma once
// The bytes of a metadata write (bitmap blocks or pages, md superblocks), made once and shared,
// read-only, by the copies of the write sent to every member and by the crash explorer's view of
// it: a bitmap page goes to each mirror without being copied for each.
//
// The RFC writes a 4 KiB page for most user writes, so these buffers come and go at the rate of
// the simulation: a released buffer goes back to a per-thread pool and its storage is reused.
// The count of owners is not atomic: a MetaBytes and its copies stay on the thread that runs
// their simulation (the simulator has no threads of its own).

#include <cstdint>
#include <vector>

namespace llb::sim {

class MetaBytes {
 public:
  MetaBytes() = default;
  explicit MetaBytes(const std::vector<std::uint8_t>& bytes)
      : MetaBytes(bytes.data(), bytes.data() + bytes.size()) {}
  template <class It>
  MetaBytes(It first, It last) {
    buffer_ = acquire();
    buffer_->bytes.assign(first, last);
  }
  MetaBytes(const MetaBytes& o) : buffer_(o.buffer_) {
    if (buffer_) ++buffer_->owners;
  }
  MetaBytes(MetaBytes&& o) noexcept : buffer_(o.buffer_) { o.buffer_ = nullptr; }
  MetaBytes& operator=(const MetaBytes& o) {
    if (o.buffer_) ++o.buffer_->owners;
    release(buffer_);
    buffer_ = o.buffer_;
    return *this;
  }
  MetaBytes& operator=(MetaBytes&& o) noexcept {
    if (this != &o) {
      release(buffer_);
      buffer_ = o.buffer_;
      o.buffer_ = nullptr;
    }
    return *this;
  }
  ~MetaBytes() { release(buffer_); }

  // `size` zero bytes.
  static MetaBytes zeros(std::size_t size) {
    MetaBytes b;
    b.buffer_ = acquire();
    b.buffer_->bytes.assign(size, 0);
    return b;
  }

  const std::uint8_t* data() const { return buffer_ ? buffer_->bytes.data() : nullptr; }
  // The bytes to change in place: a buffer other owners share is copied first, so they keep
  // what they hold (copy on write).
  std::uint8_t* mutable_data() {
    if (buffer_ && buffer_->owners > 1) {
      Buffer* own = acquire();
      own->bytes.assign(buffer_->bytes.begin(), buffer_->bytes.end());
      release(buffer_);
      buffer_ = own;
    }
    return buffer_ ? buffer_->bytes.data() : nullptr;
  }
  // Whether this is the buffer's only holder (then changing it in place is seen by no one else).
  bool unique() const { return buffer_ != nullptr && buffer_->owners == 1; }
  // Whether both hold the same buffer (then they hold the same bytes).
  bool same_buffer(const MetaBytes& o) const { return buffer_ == o.buffer_; }
  std::size_t size() const { return buffer_ ? buffer_->bytes.size() : 0; }
  bool empty() const { return size() == 0; }
  void clear() {
    release(buffer_);
    buffer_ = nullptr;
  }

 private:
  struct Buffer {
    std::uint32_t owners = 1;
    std::vector<std::uint8_t> bytes;  // keeps its capacity while pooled
  };
  static std::vector<Buffer*>& pool();   // this thread's released buffers
  static Buffer* acquire();              // from the pool, or new; owners = 1
  static void release_last(Buffer* b);   // back to the pool (or freed when the pool is full)
  static void release(Buffer* b) {
    if (b && --b->owners == 0) release_last(b);
  }

  Buffer* buffer_ = nullptr;
};

}  // namespace llb::sim
