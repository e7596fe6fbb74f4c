#pragma once
// Where md's bad-block log and the llbitmap's state bytes share sectors (mdadm 4.6 puts the log at
// superblock + 16 sectors, inside the state bytes of any member with more than 3072 chunks:
// docs/findings/bblog-overlap.md), and what the bytes there say has happened: nothing yet, md's
// log page written over state bytes, or the llbitmap's state blocks written over a log the
// superblock declares.

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace llb {

struct Member;

struct BblogOverlap {
  std::uint64_t log_begin = 0, log_end = 0;       // absolute bytes of the log's place
  std::uint64_t first_chunk = 0, last_chunk = 0;  // chunks whose state bytes lie there
  bool log_declared = false;  // feature_map has bad-blocks: the kernel parses the log at assembly
  // Chunks whose bytes are md's log page (entries or its 0xff fill) rather than states, in runs
  // [first, last]: their states are lost.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> lost;
  std::uint64_t lost_chunks = 0;
  // Of those, bytes that happen to be a valid state (the log's zero bytes read as Unwritten): the
  // kernel trusts them and does not resync those chunks.
  std::uint64_t lost_read_as_states = 0;
  // 512-byte blocks of the log's place holding state bytes while the log is declared: the kernel
  // parses them as bad-block entries.
  std::uint32_t state_blocks_in_log = 0;

  bool log_over_states() const { return lost_chunks > 0; }
  bool states_over_log() const { return log_declared && state_blocks_in_log > 0; }
  bool hit() const { return log_over_states() || states_over_log(); }
};

// The overlap on a member whose geometry and state bytes were read; nothing when the log and the
// state bytes do not share a byte. A 512-byte block of the log's place is md's log when a byte of
// a chunk in it is no state of the layout (the log's 0xff fill, or an entry's bytes); otherwise
// it holds the llbitmap's states.
std::optional<BblogOverlap> find_bblog_overlap(const Member& m);

}  // namespace llb
