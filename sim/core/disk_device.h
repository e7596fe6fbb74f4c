#pragma once
// A libformat BlockDevice view of a simulated disk, so that the simulator reads and writes
// metadata with the same codecs as the tools, and exports images the tools read.
//
// Data sectors read back as a pattern derived from the sector's stamp: zeros for stamp 0,
// otherwise 64 little-endian words of mix(stamp, sector), so two mirrors differ exactly where
// their stamps differ.

#include <cstdint>

#include "libformat/io/block_device.h"
#include "sim/core/disk.h"

namespace llb::sim {

enum class DiskView { Current, Durable };

void fill_data_sector(std::uint64_t stamp, std::uint64_t sector, std::uint8_t* out512);

class SimDiskDevice final : public BlockDevice {
 public:
  // Writes go to the metadata area of both views (offline access: mdadm, the tools).
  SimDiskDevice(SimDisk& disk, DiskView view, bool writable)
      : disk_(disk), view_(view), writable_(writable) {}

  const std::string& name() const override { return disk_.name(); }
  DeviceKind kind() const override { return DeviceKind::Memory; }
  std::uint64_t size_bytes() const override { return disk_.config().size_bytes; }
  std::uint32_t logical_block_size() const override { return disk_.config().logical_block_size; }
  bool writable() const override { return writable_; }
  Status read_at(std::uint64_t offset, std::span<std::uint8_t> out) override;
  Status write_at(std::uint64_t offset, std::span<const std::uint8_t> in) override;
  Status flush() override { return Status(); }

 private:
  SimDisk& disk_;
  DiskView view_;
  bool writable_;
};

}  // namespace llb::sim
