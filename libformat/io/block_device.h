#pragma once
// I/O behind a swappable backend: image files, block devices and memory all look the same to the
// codecs and tools. Devices open read-only unless a caller asks for exclusive write access.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "libformat/codec/status.h"

namespace llb {

enum class Access { ReadOnly, ReadWriteExclusive };
enum class DeviceKind { ImageFile, BlockDevice, Memory };

std::string_view device_kind_name(DeviceKind k);

class BlockDevice {
 public:
  virtual ~BlockDevice() = default;
  virtual const std::string& name() const = 0;
  virtual DeviceKind kind() const = 0;
  virtual std::uint64_t size_bytes() const = 0;
  virtual std::uint32_t logical_block_size() const = 0;
  virtual bool writable() const = 0;
  // Reads exactly out.size() bytes; ShortRead if the device ends first.
  virtual Status read_at(std::uint64_t offset_bytes, std::span<std::uint8_t> out) = 0;
  virtual Status write_at(std::uint64_t offset_bytes, std::span<const std::uint8_t> in) = 0;
  // Makes every completed write durable (fdatasync for files and devices).
  virtual Status flush() = 0;
};

// Opens an image file or a block device. For ReadWriteExclusive a block device is opened with
// O_EXCL (the kernel refuses it while md, a mount or another O_EXCL holder has it) and an image
// file gets an exclusive flock, and is refused while a loop device is backed by it.
Result<std::unique_ptr<BlockDevice>> open_device(const std::string& path, Access access);

// A device held in memory, for tests and the simulator's export.
class MemoryDevice final : public BlockDevice {
 public:
  MemoryDevice(std::string name, std::uint64_t size_bytes, std::uint32_t logical_block_size = 512,
               bool writable = true);
  MemoryDevice(std::string name, std::vector<std::uint8_t> bytes,
               std::uint32_t logical_block_size = 512, bool writable = true);

  const std::string& name() const override { return name_; }
  DeviceKind kind() const override { return DeviceKind::Memory; }
  std::uint64_t size_bytes() const override { return bytes_.size(); }
  std::uint32_t logical_block_size() const override { return logical_block_size_; }
  bool writable() const override { return writable_; }
  Status read_at(std::uint64_t offset_bytes, std::span<std::uint8_t> out) override;
  Status write_at(std::uint64_t offset_bytes, std::span<const std::uint8_t> in) override;
  Status flush() override { return Status(); }

  std::vector<std::uint8_t>& bytes() { return bytes_; }
  const std::vector<std::uint8_t>& bytes() const { return bytes_; }

 private:
  std::string name_;
  std::vector<std::uint8_t> bytes_;
  std::uint32_t logical_block_size_;
  bool writable_;
};

// A device over bytes someone else owns, with no copy: read-only over a fuzzer's input, or
// writable over a buffer the owner reuses (a fuzzer's member images, input after input).
class ByteViewDevice final : public BlockDevice {
 public:
  ByteViewDevice(std::string name, std::span<const std::uint8_t> bytes)
      : name_(std::move(name)), bytes_(bytes) {}
  ByteViewDevice(std::string name, std::span<std::uint8_t> writable_bytes)
      : name_(std::move(name)), bytes_(writable_bytes), writable_bytes_(writable_bytes.data()) {}
  const std::string& name() const override { return name_; }
  DeviceKind kind() const override { return DeviceKind::Memory; }
  std::uint64_t size_bytes() const override { return bytes_.size(); }
  std::uint32_t logical_block_size() const override { return 512; }
  bool writable() const override { return writable_bytes_ != nullptr; }
  Status read_at(std::uint64_t offset_bytes, std::span<std::uint8_t> out) override;
  Status write_at(std::uint64_t offset_bytes, std::span<const std::uint8_t> in) override;
  Status flush() override { return Status(); }

 private:
  std::string name_;
  std::span<const std::uint8_t> bytes_;
  std::uint8_t* writable_bytes_ = nullptr;  // bytes_.data(), when writable
};

// Reads `length` bytes at `offset` into a new buffer.
Result<std::vector<std::uint8_t>> read_bytes(BlockDevice& dev, std::uint64_t offset_bytes,
                                             std::size_t length);

}  // namespace llb
