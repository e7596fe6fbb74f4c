// Fuzz target: the bitmap superblock decoder and the kernel's version-6 checks never crash, and a
// decoded superblock encodes back to the same 256 bytes.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/codec/llbitmap_validate.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> in(data, size);
  auto b = llb::decode_bitmap_superblock(in, {"fuzz", 8192, "bitmap superblock"});
  if (!b.ok()) return 0;
  std::vector<std::uint8_t> out(llb::kBitmapSbBytes, 0);
  if (!llb::encode_bitmap_superblock(*b, out).ok()) __builtin_trap();
  if (std::memcmp(out.data(), data, llb::kBitmapSbBytes) != 0) __builtin_trap();
  llb::MdSuperblock md;
  md.size = size > 300 ? data[300] * 1000003ull : 129024;
  md.events = size > 301 ? data[301] : 3;
  for (int minor : {0, 1, 2}) {
    for (auto v : {llb::KernelVersion::Upstream, llb::KernelVersion::Rfc}) {
      (void)llb::validate_llbitmap(*b, md, minor, v, "fuzz", 8192);
    }
  }
  return 0;
}
