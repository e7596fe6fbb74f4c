#pragma once
// Several members of one array side by side: which are fresh, which lag, whose bitmap the kernel
// will read, and where their bitmaps differ.

#include <cstdint>
#include <string>
#include <vector>

#include "libformat/ops/assembly.h"
#include "libformat/codec/finding.h"
#include "libformat/ops/member.h"

namespace llb {

struct MemberComparison {
  std::size_t member = 0;              // index into ArrayView::members
  std::uint64_t md_events = 0;
  std::int64_t events_behind = 0;      // freshest events minus this member's
  std::uint64_t differing_bytes = 0;   // state bytes differing from the bitmap source's
  std::vector<StateRun> differing_runs;  // runs of differing chunks (value: this member's byte)
  bool bitmap_comparable = false;      // both have readable state bytes of equal length
};

// A member the kernel will rebuild at assembly, from where its superblock says it stopped.
struct RecoveryNeed {
  std::size_t member = 0;            // index into ArrayView::members
  std::uint64_t from_sector = 0;     // recovery_offset
  std::uint64_t sectors = 0;         // left to rebuild (to the end of the member's data)
  bool bitmap_driven = false;        // only the chunks the bitmap flags (recovery-bitmap feature)
};

struct ArrayView {
  std::array<std::uint8_t, 16> uuid{};
  std::vector<const Member*> members;  // ordered by role, then device name
  std::uint64_t max_events = 0;
  std::vector<std::size_t> fresh;      // members with max_events
  std::vector<std::size_t> lagging;    // members behind: kicked at assembly, recovered on re-add
  std::size_t bitmap_source = 0;       // the fresh member the kernel reads the bitmap from
  bool degraded = false;               // some role has no fresh member
  std::vector<MemberComparison> comparisons;  // one per member
  AssemblyPlan plan;                   // from the bitmap source
  std::vector<RecoveryNeed> recoveries;  // members the kernel rebuilds at assembly
  // Two devices that claim one member (the same device UUID or slot) or one active role: the
  // set cannot be one array as given, and no writer may touch it.
  std::vector<Finding> conflicts;
  std::vector<std::uint8_t> union_flagged;  // chunks any fresh member flags (after load)
};

// The role each member holds according to the array's freshest superblock (the kernel trusts
// that one's dev_roles over a lagging member's own).
std::uint16_t role_in_array(const ArrayView& v, std::size_t member);

// Groups members by array UUID (in order of first appearance) and analyses each group. Members
// without an md superblock are not passed here.
std::vector<ArrayView> build_array_views(const std::vector<Member>& members);

}  // namespace llb
