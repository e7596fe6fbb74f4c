#include "member_set.h"

namespace llb {

Result<MemberSet> MemberSet::open(const std::vector<std::string>& paths, Access access,
                                  LayoutChoice layout) {
  if (paths.empty()) return Status(Code::InvalidArgument, "no member device given");
  MemberSet set;
  for (const std::string& p : paths) {
    if (set.index_of_path(p) != set.size()) {
      return Status(Code::InvalidArgument, str_cat(p, ": given twice"));
    }
    auto dev = open_device(p, access);
    if (!dev.ok()) return dev.status();
    auto om = std::make_unique<OpenMember>();
    om->path = p;
    om->dev = std::move(dev).value();
    set.members_.push_back(std::move(om));
  }
  LLB_RETURN_IF_ERROR(set.reload(layout));
  return set;
}

Status MemberSet::reload(LayoutChoice layout) {
  std::vector<Member> loaded;
  for (auto& om : members_) {
    auto m = load_member(*om->dev, layout);
    if (!m.ok()) return m.status();
    om->member = std::move(m).value();
  }
  // build_array_views wants a vector of Members; keep pointers into ours afterwards.
  std::vector<Member> copies;
  copies.reserve(members_.size());
  for (auto& om : members_) copies.push_back(om->member);
  std::vector<ArrayView> views = build_array_views(copies);
  if (views.size() != 1) {
    std::string list;
    for (const auto& v : views) list += (list.empty() ? "" : ", ") + uuid_colon(v.uuid);
    return Status(Code::InvalidArgument,
                  str_cat("the devices belong to ", views.size(), " arrays (", list,
                          "); give the members of one array"));
  }
  view_ = std::move(views.front());
  // Re-point the view at our members (same order as `copies`).
  for (const Member*& p : view_.members) {
    const std::size_t i = static_cast<std::size_t>(p - copies.data());
    p = &members_[i]->member;
  }
  return Status();
}

std::size_t MemberSet::index_of_view_member(std::size_t view_index) const {
  const Member* m = view_.members[view_index];
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (&members_[i]->member == m) return i;
  }
  return members_.size();
}

std::size_t MemberSet::index_of_path(const std::string& path) const {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (members_[i]->path == path) return i;
  }
  return members_.size();
}

}  // namespace llb
