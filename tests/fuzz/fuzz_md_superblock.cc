// Fuzz target: the md v1.x superblock decoder never crashes, and whatever it accepts encodes back
// to the same bytes.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "libformat/codec/md_superblock.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> in(data, size);
  auto sb = llb::decode_md_superblock(in, {"fuzz", 4096, "md superblock"});
  if (!sb.ok()) return 0;
  (void)llb::md_sb_checksum_bytes(in, sb->max_dev);
  std::vector<std::uint8_t> out(size, 0);
  if (!llb::encode_md_superblock(*sb, out).ok()) __builtin_trap();
  if (std::memcmp(out.data(), data, size) != 0) __builtin_trap();
  return 0;
}
