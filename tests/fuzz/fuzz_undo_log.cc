// Fuzz target: the undo-file decoder never crashes, and what it accepts encodes back to the same
// bytes.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "libformat/codec/undo_log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto log = llb::decode_undo_log(std::span<const std::uint8_t>(data, size), "fuzz.undo");
  if (!log.ok()) return 0;
  const auto again = llb::encode_undo_log(*log);
  if (again.size() != size || std::memcmp(again.data(), data, size) != 0) __builtin_trap();
  return 0;
}
