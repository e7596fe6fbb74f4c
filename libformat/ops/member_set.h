#pragma once
// The members of one array, opened together for a tool that may write: each device open (read-only,
// or exclusively for writing), read whole, and analysed side by side. The writers (repair, resync)
// start here, so the "is this one array, is any device busy" checks live in one place.

#include <memory>
#include <string>
#include <vector>

#include "libformat/ops/array_view.h"
#include "libformat/io/block_device.h"
#include "libformat/ops/member.h"

namespace llb {

struct OpenMember {
  std::string path;
  std::unique_ptr<BlockDevice> dev;
  Member& member;  // the set's copy, which its ArrayView points into
};

class MemberSet {
 public:
  // Opens every path with `access` and loads it. Fails when two paths name one device, when a
  // device cannot be opened (Busy when it is in use and access is exclusive), has no md
  // superblock, or when the devices belong to more than one array.
  static Result<MemberSet> open(const std::vector<std::string>& paths, Access access,
                                LayoutChoice layout);

  // The same over devices already open (memory devices in tests and fuzzers); each is named by its
  // name(). No identity check: the caller made them.
  static Result<MemberSet> from_devices(std::vector<std::unique_ptr<BlockDevice>> devices,
                                        LayoutChoice layout);

  std::size_t size() const { return members_.size(); }
  OpenMember& at(std::size_t i) { return *members_[i]; }
  const OpenMember& at(std::size_t i) const { return *members_[i]; }
  const ArrayView& view() const { return view_; }
  // InvalidArgument when two members claim one device UUID, slot or active role (the view's
  // conflicts): such a set is not one array as given, and no writer may touch it.
  Status check_distinct_members() const;
  // Index into at() of the view's i-th member (the view orders members by role).
  std::size_t index_of_view_member(std::size_t view_index) const;
  // Index of the member opened from `path`, or size() when none.
  std::size_t index_of_path(const std::string& path) const;
  // Re-reads every member from its device (after a writer changed them) and rebuilds the view.
  Status reload(LayoutChoice layout);

 private:
  // Sized once, never reallocated: the view and the OpenMembers point into it (a move of the set
  // keeps the buffer).
  std::vector<Member> loaded_;
  std::vector<std::unique_ptr<OpenMember>> members_;
  ArrayView view_;
};

}  // namespace llb
