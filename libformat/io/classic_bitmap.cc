#include "libformat/io/classic_bitmap.h"

#include <bit>

namespace llb {

Result<ClassicBitmapSummary> read_classic_bitmap(BlockDevice& dev,
                                                 std::uint64_t bitmap_offset_bytes,
                                                 const BitmapSuperblock& sb) {
  if (sb.chunksize == 0) {
    return Status(Code::BadField, str_cat(dev.name(), ": bitmap superblock at byte ",
                                          bitmap_offset_bytes,
                                          ": field chunksize is 0 bytes, expected at least 512"));
  }
  ClassicBitmapSummary s;
  s.chunks = (sb.sync_size * 512 + sb.chunksize - 1) / sb.chunksize;
  const std::uint64_t bytes = (s.chunks + 7) / 8;
  const std::uint64_t start = bitmap_offset_bytes + kBitmapSbBytes;
  if (start + bytes > dev.size_bytes()) {
    return Status(Code::ShortRead, str_cat(dev.name(), ": classic bitmap of ", s.chunks,
                                           " bits at byte ", start, " runs past the device end"));
  }
  auto raw = read_bytes(dev, start, static_cast<std::size_t>(bytes));
  if (!raw.ok()) return raw.status();
  for (std::uint64_t i = 0; i < bytes; ++i) {
    std::uint8_t b = (*raw)[i];
    if (i == bytes - 1 && s.chunks % 8) b &= static_cast<std::uint8_t>((1u << (s.chunks % 8)) - 1);
    s.dirty += static_cast<std::uint64_t>(std::popcount(b));
  }
  return s;
}

}  // namespace llb
