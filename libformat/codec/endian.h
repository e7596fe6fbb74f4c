#pragma once
// All byte-order code of the project: on-disk md and bitmap structures are little-endian.
// Decoders read fields through these helpers instead of casting disk bytes to structs.

#include <cstddef>
#include <cstdint>
#include <span>

namespace llb {

inline std::uint16_t load_le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t load_le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
inline std::uint64_t load_le64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(load_le32(p)) |
         (static_cast<std::uint64_t>(load_le32(p + 4)) << 32);
}
inline void store_le16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
inline void store_le32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void store_le64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Offset-based forms used by the record codecs: field offsets are named constants.
inline std::uint16_t get_le16(std::span<const std::uint8_t> b, std::size_t off) {
  return load_le16(b.data() + off);
}
inline std::uint32_t get_le32(std::span<const std::uint8_t> b, std::size_t off) {
  return load_le32(b.data() + off);
}
inline std::uint64_t get_le64(std::span<const std::uint8_t> b, std::size_t off) {
  return load_le64(b.data() + off);
}
inline void put_le16(std::span<std::uint8_t> b, std::size_t off, std::uint16_t v) {
  store_le16(b.data() + off, v);
}
inline void put_le32(std::span<std::uint8_t> b, std::size_t off, std::uint32_t v) {
  store_le32(b.data() + off, v);
}
inline void put_le64(std::span<std::uint8_t> b, std::size_t off, std::uint64_t v) {
  store_le64(b.data() + off, v);
}

}  // namespace llb
