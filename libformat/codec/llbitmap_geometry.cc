#include "libformat/codec/llbitmap_geometry.h"

#include <bit>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/codec/md_superblock.h"

namespace llb {

std::uint64_t Geometry::chunk_sectors(std::uint64_t chunk) const {
  std::uint64_t start = chunk_start_sector(chunk);
  if (start >= resync_sectors) return 0;
  return std::min<std::uint64_t>(chunksize_sectors, resync_sectors - start);
}

std::uint64_t Geometry::state_area_end_bytes() const {
  std::uint64_t end = data_offset_bytes + chunks;
  return (end + kBitmapPageBytes - 1) / kBitmapPageBytes * kBitmapPageBytes;
}

std::uint64_t Geometry::block_first_chunk(std::uint64_t chunk, std::uint32_t io_size) const {
  std::uint64_t pos = data_offset_bytes + chunk;
  std::uint64_t block_start = pos / io_size * io_size;
  return block_start < data_offset_bytes ? 0 : block_start - data_offset_bytes;
}

std::uint64_t resync_max_sectors(const MdSuperblock& md) {
  if (md.level == 10) {
    std::uint32_t near = md.layout & 0xff, far = (md.layout >> 8) & 0xff;
    std::uint32_t copies = std::max<std::uint32_t>(1, near * far);
    return md.size * md.raid_disks / copies;
  }
  return md.size;
}

std::uint32_t initial_chunksize_sectors(std::uint64_t resync_sectors,
                                        std::uint32_t space_sectors) {
  std::uint64_t chunksize = kMinChunkSectors;
  const std::uint64_t space_bytes = std::uint64_t{space_sectors} * 512;
  auto chunks = [&](std::uint64_t cs) { return (resync_sectors + cs - 1) / cs; };
  while (chunks(chunksize) > space_bytes && chunksize < (std::uint64_t{1} << 31)) chunksize <<= 1;
  return static_cast<std::uint32_t>(chunksize);
}

static Geometry base_geometry(const MdSuperblock& md, std::uint64_t md_offset_bytes,
                              KernelVersion version) {
  Geometry g;
  g.version = version;
  g.resync_sectors = resync_max_sectors(md);
  g.bitmap_offset_bytes = static_cast<std::uint64_t>(
      static_cast<std::int64_t>(md_offset_bytes) + std::int64_t{md.bitmap_offset} * 512);
  g.data_offset_bytes = state_data_offset_bytes(version);
  return g;
}

static void set_chunksize(Geometry& g, std::uint32_t chunksize_sectors) {
  g.chunksize_sectors = chunksize_sectors;
  g.chunkshift = static_cast<std::uint32_t>(std::countr_zero(chunksize_sectors));
  g.chunks = (g.resync_sectors + chunksize_sectors - 1) / chunksize_sectors;
}

Result<Geometry> geometry_from_superblocks(const MdSuperblock& md, std::uint64_t md_offset_bytes,
                                           const BitmapSuperblock& bsb, KernelVersion version,
                                           const std::string& device) {
  if (bsb.chunksize == 0 || !std::has_single_bit(bsb.chunksize)) {
    return Status(Code::BadField,
                  str_cat(device, ": bitmap superblock field chunksize is ", bsb.chunksize,
                          " sectors, expected a power of two"));
  }
  Geometry g = base_geometry(md, md_offset_bytes, version);
  g.reserved_bytes = std::uint64_t{bsb.sectors_reserved ? bsb.sectors_reserved
                                                        : kDefaultSectorsReserved} * 512;
  set_chunksize(g, bsb.chunksize);
  return g;
}

Geometry first_use_geometry(const MdSuperblock& md, std::uint64_t md_offset_bytes,
                            std::uint32_t sectors_reserved, KernelVersion version) {
  Geometry g = base_geometry(md, md_offset_bytes, version);
  std::uint32_t space = sectors_reserved ? sectors_reserved : kDefaultSectorsReserved;
  g.reserved_bytes = std::uint64_t{space} * 512;
  set_chunksize(g, initial_chunksize_sectors(g.resync_sectors, space));
  return g;
}

}  // namespace llb
