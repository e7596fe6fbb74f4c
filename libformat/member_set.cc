#include "member_set.h"

namespace llb {

Result<MemberSet> MemberSet::open(const std::vector<std::string>& paths, Access access,
                                  LayoutChoice layout) {
  if (paths.empty()) return Status(Code::InvalidArgument, "no member device given");
  MemberSet set;
  set.loaded_.resize(paths.size());
  for (const std::string& p : paths) {
    if (set.index_of_path(p) != set.size()) {
      return Status(Code::InvalidArgument, str_cat(p, ": given twice"));
    }
    auto dev = open_device(p, access);
    if (!dev.ok()) return dev.status();
    set.members_.push_back(std::make_unique<OpenMember>(
        OpenMember{p, std::move(dev).value(), set.loaded_[set.members_.size()]}));
  }
  LLB_RETURN_IF_ERROR(set.reload(layout));
  return set;
}

Status MemberSet::reload(LayoutChoice layout) {
  for (auto& om : members_) {
    auto m = load_member(*om->dev, layout);
    if (!m.ok()) return m.status();
    om->member = std::move(m).value();
  }
  std::vector<ArrayView> views = build_array_views(loaded_);
  if (views.size() != 1) {
    std::string list;
    for (const auto& v : views) list += (list.empty() ? "" : ", ") + uuid_colon(v.uuid);
    return Status(Code::InvalidArgument,
                  str_cat("the devices belong to ", views.size(), " arrays (", list,
                          "); give the members of one array"));
  }
  view_ = std::move(views.front());
  return Status();
}

std::size_t MemberSet::index_of_view_member(std::size_t view_index) const {
  return static_cast<std::size_t>(view_.members[view_index] - loaded_.data());
}

std::size_t MemberSet::index_of_path(const std::string& path) const {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (members_[i]->path == path) return i;
  }
  return members_.size();
}

}  // namespace llb
