#pragma once
// The state layout (Linux 7.2 or the RFC) is a property of the array, not of one member: every
// member of an array was written by one kernel. Each member's own bytes are evidence; the array
// decides. A member whose state bytes are all damaged to 0xff looks like the RFC on its own, and
// judged alone it would be read (and repaired) at +4096, over the bad-block log. Readers and
// writers load members through load_members so that never happens.

#include <optional>
#include <string>
#include <vector>

#include "libformat/io/block_device.h"
#include "libformat/ops/member.h"

namespace llb {

struct ArrayLayout {
  KernelVersion layout = KernelVersion::Upstream;
  std::string reason;  // "auto, from the array: vdb.img's state bytes at +1024 (Linux 7.2)"
};

// The layout of an array from its members' evidence: any member whose bytes show the Linux 7.2
// layout decides for all; otherwise any RFC evidence; otherwise Linux 7.2.
ArrayLayout decide_array_layout(const std::vector<const Member*>& members);

// Loads every device (a failure is kept in that device's place), then, with LayoutChoice::Auto,
// re-loads each member whose own guess differs from its array's decision.
std::vector<Result<Member>> load_members(const std::vector<BlockDevice*>& devices,
                                         LayoutChoice layout);

}  // namespace llb
