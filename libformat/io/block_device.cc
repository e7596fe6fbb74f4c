#include "libformat/io/block_device.h"

#include <algorithm>
#include <cstring>

namespace llb {

std::string_view device_kind_name(DeviceKind k) {
  switch (k) {
    case DeviceKind::ImageFile: return "image file";
    case DeviceKind::BlockDevice: return "block device";
    case DeviceKind::Memory: return "memory";
  }
  return "unknown";
}

MemoryDevice::MemoryDevice(std::string name, std::uint64_t size_bytes,
                           std::uint32_t logical_block_size, bool writable)
    : name_(std::move(name)),
      bytes_(size_bytes, 0),
      logical_block_size_(logical_block_size),
      writable_(writable) {}

MemoryDevice::MemoryDevice(std::string name, std::vector<std::uint8_t> bytes,
                           std::uint32_t logical_block_size, bool writable)
    : name_(std::move(name)),
      bytes_(std::move(bytes)),
      logical_block_size_(logical_block_size),
      writable_(writable) {}

namespace {

// The copies of the memory-backed devices, bounds-checked against the device's bytes. memcpy
// must not see the null data() of an empty span, so an empty copy returns first.
Status copy_out(const std::string& name, std::span<const std::uint8_t> bytes,
                std::uint64_t offset_bytes, std::span<std::uint8_t> out) {
  if (out.empty()) return Status();
  if (offset_bytes > bytes.size() || out.size() > bytes.size() - offset_bytes) {
    return Status(Code::ShortRead,
                  str_cat(name, ": read of ", out.size(), " bytes at byte ", offset_bytes,
                          " goes past the end of the device (", bytes.size(), " bytes)"));
  }
  std::memcpy(out.data(), bytes.data() + offset_bytes, out.size());
  return Status();
}

Status copy_in(const std::string& name, std::span<std::uint8_t> bytes, std::uint64_t offset_bytes,
               std::span<const std::uint8_t> in) {
  if (in.empty()) return Status();
  if (offset_bytes > bytes.size() || in.size() > bytes.size() - offset_bytes) {
    return Status(Code::InvalidArgument,
                  str_cat(name, ": write of ", in.size(), " bytes at byte ", offset_bytes,
                          " goes past the end of the device (", bytes.size(), " bytes)"));
  }
  std::memcpy(bytes.data() + offset_bytes, in.data(), in.size());
  return Status();
}

}  // namespace

Status MemoryDevice::read_at(std::uint64_t offset_bytes, std::span<std::uint8_t> out) {
  return copy_out(name_, bytes_, offset_bytes, out);
}

Status MemoryDevice::write_at(std::uint64_t offset_bytes, std::span<const std::uint8_t> in) {
  if (!writable_) {
    return Status(Code::ReadOnly, str_cat(name_, ": device is open read-only"));
  }
  return copy_in(name_, bytes_, offset_bytes, in);
}

Status ByteViewDevice::read_at(std::uint64_t offset_bytes, std::span<std::uint8_t> out) {
  return copy_out(name_, bytes_, offset_bytes, out);
}

Status ByteViewDevice::write_at(std::uint64_t offset_bytes, std::span<const std::uint8_t> in) {
  if (writable_bytes_ == nullptr) return Status(Code::ReadOnly, str_cat(name_, ": device is read-only"));
  return copy_in(name_, std::span<std::uint8_t>(writable_bytes_, bytes_.size()), offset_bytes, in);
}

Result<std::vector<std::uint8_t>> read_bytes(BlockDevice& dev, std::uint64_t offset_bytes,
                                             std::size_t length) {
  std::vector<std::uint8_t> buf(length);
  Status st = dev.read_at(offset_bytes, buf);
  if (!st.ok()) return st;
  return buf;
}

}  // namespace llb
