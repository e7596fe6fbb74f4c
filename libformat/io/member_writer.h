#pragma once
// Writing a new member's metadata (create.h's records) to a device: what llbitmap-create, the
// simulator's mdadm and the tests' fixture builders put on a disk.

#include <cstdint>
#include <vector>

#include "libformat/io/block_device.h"
#include "libformat/codec/create.h"

namespace llb {

// Writes md superblock, bitmap superblock, 0xff filler and (for Initialised) the state bytes.
// `states` must have spec_geometry(spec).chunks entries when init is Initialised; it is ignored
// for Placeholder. Data sectors are not touched.
Status write_member_metadata(BlockDevice& dev, const ArraySpec& spec, const MemberSpec& member,
                             BitmapInit init, std::uint64_t events,
                             const std::vector<std::uint8_t>& states);

}  // namespace llb
