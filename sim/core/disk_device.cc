#include "sim/core/disk_device.h"

#include <algorithm>
#include <cstring>

#include "libformat/codec/endian.h"

namespace llb::sim {

void fill_data_sector(std::uint64_t stamp, std::uint64_t sector, std::uint8_t* out) {
  if (stamp == 0) {
    std::memset(out, 0, 512);
    return;
  }
  std::uint64_t v = (stamp * 0x9e3779b97f4a7c15ull) ^ (sector * 0xc2b2ae3d27d4eb4full) ^ 1;
  for (int i = 0; i < 64; ++i) store_le64(out + 8 * i, v + static_cast<std::uint64_t>(i));
}

Status SimDiskDevice::read_at(std::uint64_t offset, std::span<std::uint8_t> out) {
  if (offset > size_bytes() || out.size() > size_bytes() - offset) {
    return Status(Code::ShortRead, str_cat(name(), ": read of ", out.size(), " bytes at byte ",
                                           offset, " goes past the end of the device"));
  }
  const auto& meta = view_ == DiskView::Current ? disk_.meta_current() : disk_.meta_durable();
  const auto& data = view_ == DiskView::Current ? disk_.data_current() : disk_.data_durable();
  const std::uint64_t meta_end = meta.size();
  std::uint64_t pos = offset;
  std::size_t done = 0;
  std::uint8_t sector_buf[512];
  while (done < out.size()) {
    if (pos < meta_end) {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(meta_end - pos, out.size() - done));
      meta.read(pos, out.data() + done, n);
      pos += n;
      done += n;
      continue;
    }
    const std::uint64_t sector = pos / 512;
    const std::uint64_t in_sector = pos % 512;
    fill_data_sector(data[sector - disk_.config().data_offset_sectors], sector, sector_buf);
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(512 - in_sector, out.size() - done));
    std::memcpy(out.data() + done, sector_buf + in_sector, n);
    pos += n;
    done += n;
  }
  return Status();
}

Status SimDiskDevice::write_at(std::uint64_t offset, std::span<const std::uint8_t> in) {
  if (!writable_) return Status(Code::ReadOnly, str_cat(name(), ": device is open read-only"));
  if (offset + in.size() > disk_.meta_current().size()) {
    return Status(Code::InvalidArgument,
                  str_cat(name(), ": offline writes reach only the metadata area (",
                          disk_.meta_current().size(), " bytes), not byte ", offset + in.size()));
  }
  disk_.write_meta_offline(offset, in);
  return Status();
}

}  // namespace llb::sim
