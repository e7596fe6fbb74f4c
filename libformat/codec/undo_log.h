#pragma once
// The undo file of the writers (llbitmap-repair -z, llbitmap-create -z; like e2fsprogs' undo
// files for e2fsck -z): every byte range a writer is about to overwrite, saved whole logical
// blocks at a time, with the identity of each device as the writer leaves it, so that
// llbitmap-undo can refuse to write them somewhere else, and the hashes of each range as the
// writer's writes leave it one after the other, so that undo can tell a device that changed since
// from one the writer left, even half way.
//
// Format (all integers little-endian):
//   header   "LLBUNDO1", u32 version (2; 1 is still read), u32 device count, u32 record count
//   device   u32 path length, path bytes, u64 size in bytes, u8[16] array UUID,
//            u8[16] device UUID (as the writer leaves them; zero without an md superblock)
//   record   u32 device index, u64 byte offset, u32 length, u64 FNV-1a of the bytes,
//            (version 2 only) u32 N, then N u64: FNV-1a of the range after each write of the
//            writer that touches it, the last being what the writer leaves; then the bytes
//   trailer  "LLBUNDOE", u64 FNV-1a of everything before the trailer
// Records of one file never overlap. A file that is cut short or altered fails its checksums and
// is refused as a whole.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "libformat/codec/status.h"

namespace llb {

struct UndoDevice {
  std::string path;
  std::uint64_t size_bytes = 0;
  std::array<std::uint8_t, 16> array_uuid{};
  std::array<std::uint8_t, 16> device_uuid{};
};

struct UndoRecord {
  std::uint32_t device = 0;
  std::uint64_t offset_bytes = 0;
  std::vector<std::uint8_t> bytes;  // what was there before
  // FNV-1a of the range after each write that touches it, the last being the writer's final
  // bytes; empty in version-1 files.
  std::vector<std::uint64_t> writer_hashes;
};

struct UndoLog {
  std::uint32_t version = 2;
  std::vector<UndoDevice> devices;
  std::vector<UndoRecord> records;
};

std::uint64_t fnv1a64(std::span<const std::uint8_t> bytes, std::uint64_t h = 0xcbf29ce484222325ull);

std::vector<std::uint8_t> encode_undo_log(const UndoLog& log);
Result<UndoLog> decode_undo_log(std::span<const std::uint8_t> bytes, const std::string& name);


}  // namespace llb
