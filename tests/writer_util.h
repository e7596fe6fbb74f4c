#pragma once
// Helpers for the tests of the writing tools: member sets on temporary copies of real-kernel
// images, made to diverge, and the checks that say whether an array is safe and in sync.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace llb::test {

// Copies of a scenario's member images in a private directory.
class MemberCopies {
 public:
  MemberCopies(const std::string& group, const std::string& scenario);
  const std::vector<std::string>& paths() const { return paths_; }
  std::string args() const;  // the paths, space separated, for a command line
  const std::string& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::vector<std::string> paths_;
};

std::string tool(const std::string& name);  // full path of build/tools/<name>

// Overwrites the data of `chunks` on the member image with a pattern unlike any other member's.
void scribble_chunks(const std::string& path, const std::vector<std::uint64_t>& chunks,
                     std::uint8_t seed);

// Chunks whose data differs between the members.
std::vector<std::uint64_t> differing_chunks(const std::vector<std::string>& paths);

// Chunks each member's bitmap makes the kernel resync at assembly (Reload or Stale applied,
// invalid bytes forced), computed from that member alone; empty optional when unreadable.
std::vector<std::vector<std::uint64_t>> flagged_per_member(const std::vector<std::string>& paths);

// The data of `chunks`, one after the other.
std::vector<std::uint8_t> chunk_data(const std::string& path, const std::vector<std::uint64_t>& chunks);
// Data region bytes of one member (data_offset .. + resync sectors).
std::vector<std::uint8_t> data_region(const std::string& path);
std::vector<std::uint8_t> state_bytes(const std::string& path);
// Hash of the file's first `limit` bytes (default: all of it).
std::uint64_t file_hash(const std::string& path, std::uint64_t limit = ~std::uint64_t{0});
// Hash of everything before the data area (1 MiB on these images): what the metadata tools write.
inline std::uint64_t metadata_hash(const std::string& path) { return file_hash(path, 1u << 20); }

}  // namespace llb::test
