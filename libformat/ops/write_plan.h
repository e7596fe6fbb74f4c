#pragma once
// The one write path of the metadata writers (repair, create): byte changes planned in full before
// anything is written, an undo log of every block they touch, and the writes in order groups with
// a flush of every device after each group, so that a kill between two writes leaves the order's
// promise intact (for repair: state bytes before superblocks; for create: superblocks last).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "libformat/io/block_device.h"
#include "libformat/codec/undo_log.h"

namespace llb {

// One contiguous byte range on one device that a writer rewrites.
struct ByteChange {
  std::size_t member = 0;  // index into the writer's devices
  std::uint64_t offset_bytes = 0;
  std::vector<std::uint8_t> old_bytes;
  std::vector<std::uint8_t> new_bytes;
  std::string what;        // "state bytes, chunks 0-511", "bitmap superblock", ...
  int order = 0;           // write group: groups are written in ascending order
};

// A device a writer writes, with its md identity as the writer will leave it (for the undo file).
struct WriteTarget {
  std::string path;
  BlockDevice* dev = nullptr;
  std::array<std::uint8_t, 16> array_uuid{};
  std::array<std::uint8_t, 16> device_uuid{};
};

// The undo log for `changes`: the whole logical blocks they touch, read from the devices before any
// write, merged so that no two records overlap, each with the hashes of its range after each
// write that touches it: a kill between any two writes leaves it in one of those states.
Result<UndoLog> make_undo_log(const std::vector<WriteTarget>& targets,
                              const std::vector<ByteChange>& changes);

// Writes the changes in ascending `order`, flushing every device written after each group.
Status apply_changes(const std::vector<WriteTarget>& targets,
                     const std::vector<ByteChange>& changes);

// "vdb.img: bytes 9216-9727 (state bytes, chunks 0-511): old 02 x512 -> new 03 x512"
std::string describe_change(const std::string& path, const ByteChange& c);

}  // namespace llb
