#pragma once
// One crash point: the writes the participating members have not made durable (cached, or in
// flight), each with the fates a power loss can give it (lost, landed or kept, torn at up to three
// places), what each fate puts on the disk, and the data segments whose contents the fates decide.
// Built once per point (crash_point.cc); the state checker (checker.h) reads it for every state.

#include <array>
#include <cstdint>
#include <vector>

#include "sim/explore/explore.h"
#include "sim/explore/oracle.h"
#include "sim/md/md_array.h"

namespace llb::sim {

// Fates of a non-durable write: lost, landed (in flight) or kept (cached), torn at tear point
// kTorn + j.
inline constexpr std::uint8_t kLost = 0, kLanded = 1, kTorn = 2;
inline constexpr std::size_t kFates = 5;  // lost, landed, torn at three points

// [begin, end) in one of the crash point's flat arrays.
struct Range {
  std::uint32_t begin = 0, end = 0;
  bool empty() const { return begin == end; }
};

struct SectorDelta {
  std::uint64_t sector = 0;
  std::int32_t reload = 0, stale = 0;
};

struct Pending {
  const DiskWrite* w = nullptr;
  // Lists kept in the crash point's flat arrays (no allocation per write and crash point):
  Range deltas;  // metadata writes: flagged-count change per sector (deltas)
  Range hiders;  // later writes of the member that can cover it whole (hiders)
  Range forces;  // PREFLUSH: cached writes that are durable if this lands (forces)
  // Copies of the write's fields the inner loops read, to keep them in one cache line.
  std::uint64_t sector = 0;
  std::uint32_t sectors = 0;
  bool meta = false;
  std::uint32_t member = 0;
  bool inflight = false;
  std::uint8_t radix = 2;
  // Tear points: a torn write lands its first tears[f - kTorn] sectors (whole logical blocks):
  // the first block, half, all but the last block (those that differ and are not the whole).
  std::array<std::uint32_t, 3> tears{};
  std::uint64_t mix = 0;  // its share of the canonical state hash
  std::array<std::uint32_t, 5> cover{};  // sectors that reach the disk, per fate
  std::array<std::uint64_t, 5> adj{};    // change to the canonical hash, per fate (not hidden)
  std::uint32_t covered(std::uint8_t fate) const { return cover[fate]; }
};

struct Cover {
  std::uint32_t pending = 0;      // index into the crash point's pending list
  std::uint64_t hash = 0;         // content over the segment
  std::uint8_t torn_visible = 0;  // bit j: the segment lies within tear point j
};

struct Segment {
  std::uint64_t first = 0, end = 0;  // data sector indices
  std::uint64_t chunk = 0;
  // Per participating member k: the durable content's hash, base_hash[index * n + k]; its
  // covers in application order, covers[cover_begin[index * (n + 1) + k] .. that + 1).
  std::uint32_t index = 0;
  bool always = false;  // its chunk differs outside the pending writes: divergent anyway
};

// What the driver knows that a crash point is built from.
struct CrashPointInput {
  const MdArray* array = nullptr;
  const std::vector<std::uint32_t>* participants = nullptr;
  const ExploreOptions* options = nullptr;
  std::vector<const std::uint8_t*> base_meta;  // each participant's durable metadata area
  std::uint64_t base_sum = 0;                  // the canonical hash of the durable state
  const std::vector<std::uint8_t>* diverged = nullptr;  // chunks whose durable data differs
  const FlagTable* flags = nullptr;
};

struct CrashPoint {
  std::vector<Pending> pend;
  std::vector<std::vector<std::uint32_t>> order;       // per participant, in application order
  std::vector<std::vector<std::uint32_t>> meta_order;  // the metadata writes of order
  std::vector<std::vector<std::uint32_t>> events_order, bsb_order;  // ... covering md events, the bitmap sb
  std::vector<std::uint32_t> forcing;                  // pending writes with PREFLUSH constraints
  std::vector<std::uint32_t> hiders, forces;           // see Pending
  std::vector<SectorDelta> deltas;                     // see Pending
  std::vector<const std::uint8_t*> base_meta;          // per participant
  std::uint64_t base_sum = 0;
  std::vector<Segment> segs;
  std::vector<Cover> covers;
  std::vector<std::uint64_t> base_hash;    // see Segment
  std::vector<std::uint32_t> cover_begin;  // see Segment
  std::vector<std::uint64_t> always;       // chunks divergent whatever the fates
  std::vector<std::uint64_t> base_flagged; // per participant: flagged chunks, Reload and Stale

  // Builds the point from the participants' disks now; reuses the storage of earlier points.
  void build(const CrashPointInput& in);

  // Bytes [off, off+len) of participant k's metadata after the crash described by `fates`,
  // looking only at `ord` (the member's writes that can cover the range).
  const std::uint8_t* meta_in(const std::vector<std::uint32_t>& ord, std::size_t k,
                              std::uint64_t off, std::uint64_t len,
                              const std::uint8_t* fates) const {
    for (auto it = ord.rbegin(); it != ord.rend(); ++it) {
      const Pending& p = pend[*it];
      const std::uint32_t n = p.covered(fates[*it]);
      const std::uint64_t s = p.sector * 512;
      if (n && off >= s && off + len <= s + std::uint64_t{n} * 512) return p.w->bytes.data() + (off - s);
    }
    return base_meta[k] + off;
  }

 private:
  void add_pending(const CrashPointInput& in);
  void build_segments(const CrashPointInput& in);
  void precompute_state_deltas(const CrashPointInput& in);
  std::uint64_t durable_hash(const StampMap& d, std::uint64_t first, std::uint64_t n);
  bool differs_outside_segments(const CrashPointInput& in, std::uint64_t c) const;

  struct TmpCover {
    std::uint32_t seg, member;
    Cover c;
  };
  std::vector<TmpCover> tmp_;
  std::vector<std::uint64_t> bounds_;
  std::vector<std::uint64_t> scratch_;  // durable_hash's copy of a member's stamps
  std::vector<std::pair<const DiskWrite*, bool>> writes_;  // add_pending: a member's, in flight?
};

}  // namespace llb::sim
