#include "libformat/io/member_writer.h"

namespace llb {

Status write_member_metadata(BlockDevice& dev, const ArraySpec& spec, const MemberSpec& member,
                             BitmapInit init, std::uint64_t events,
                             const std::vector<std::uint8_t>& states) {
  if (dev.size_bytes() != spec.member_size_bytes) {
    return Status(Code::InvalidArgument,
                  str_cat(dev.name(), ": device has ", dev.size_bytes(), " bytes, spec says ",
                          spec.member_size_bytes));
  }
  MdSuperblock sb = make_md_superblock(spec, member, events);
  std::vector<std::uint8_t> sb_bytes(kMdSbMaxBytes, 0);
  LLB_RETURN_IF_ERROR(encode_md_superblock(sb, sb_bytes));
  LLB_RETURN_IF_ERROR(dev.write_at(4096, sb_bytes));
  BitmapSuperblock bsb = make_bitmap_superblock(spec, init, events);
  Geometry g = spec_geometry(spec);
  std::vector<std::uint8_t> area;
  if (init == BitmapInit::Placeholder) {
    area.assign(kBitmapPageBytes, 0xff);
    (void)encode_bitmap_superblock(bsb, area);
  } else {
    if (states.size() != g.chunks) {
      return Status(Code::InvalidArgument, str_cat("write_member_metadata: ", states.size(),
                                                   " states given, the geometry has ", g.chunks));
    }
    area = encode_bitmap_area(bsb, g, states);
  }
  return dev.write_at(g.bitmap_offset_bytes, area);
}

}  // namespace llb
