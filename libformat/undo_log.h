#pragma once
// The undo file of llbitmap-repair (like e2fsprogs' undo files for e2fsck -z): every byte range a
// repair is about to overwrite, saved whole logical blocks at a time, with the identity of each
// device so that llbitmap-undo can refuse to write them somewhere else.
//
// Format (all integers little-endian):
//   header   "LLBUNDO1", u32 version (1), u32 device count, u32 record count
//   device   u32 path length, path bytes, u64 size in bytes, u8[16] array UUID,
//            u8[16] device UUID (both zero when the device had no md superblock)
//   record   u32 device index, u64 byte offset, u32 length, u64 FNV-1a of the bytes, bytes
//   trailer  "LLBUNDOE", u64 FNV-1a of everything before the trailer
// A file that is cut short or altered fails its checksums and is refused as a whole.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "status.h"

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
};

struct UndoLog {
  std::vector<UndoDevice> devices;
  std::vector<UndoRecord> records;
};

std::uint64_t fnv1a64(std::span<const std::uint8_t> bytes, std::uint64_t h = 0xcbf29ce484222325ull);

std::vector<std::uint8_t> encode_undo_log(const UndoLog& log);
Result<UndoLog> decode_undo_log(std::span<const std::uint8_t> bytes, const std::string& name);

// Writes the log to `path` durably (a temporary file, fsync, rename, fsync of the directory).
// Refuses an existing file: an older undo file is worth keeping.
Status write_undo_file(const std::string& path, const UndoLog& log);
Result<UndoLog> read_undo_file(const std::string& path);

}  // namespace llb
