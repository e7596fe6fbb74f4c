#include "libformat/ops/member_set.h"

#include "libformat/ops/array_layout.h"
#include "libformat/io/device_identity.h"

namespace llb {

Result<MemberSet> MemberSet::open(const std::vector<std::string>& paths, Access access,
                                  LayoutChoice layout) {
  if (paths.empty()) return Status(Code::InvalidArgument, "no member device given");
  // Each member once, whatever the spelling: a writer would otherwise open one device twice
  // (and trip over its own lock), and a reader count one mirror as two.
  std::vector<DeviceIdentity> ids;
  for (const std::string& p : paths) {
    auto id = identify_device(p);
    if (!id.ok()) return id.status();
    ids.push_back(std::move(id).value());
  }
  for (const Alias& a : find_aliases(ids)) {
    return Status(Code::InvalidArgument,
                  paths[a.first] == paths[a.again]
                      ? str_cat(paths[a.again], ": given twice")
                      : str_cat(paths[a.again], " is the same device as ", paths[a.first],
                                " (a link, another spelling, or a loop device and its file): "
                                "give each member once"));
  }
  MemberSet set;
  set.loaded_.resize(paths.size());
  for (const std::string& p : paths) {
    auto dev = open_device(p, access);
    if (!dev.ok()) return dev.status();
    set.members_.push_back(std::make_unique<OpenMember>(
        OpenMember{p, std::move(dev).value(), set.loaded_[set.members_.size()]}));
  }
  LLB_RETURN_IF_ERROR(set.reload(layout));
  return set;
}

Result<MemberSet> MemberSet::from_devices(std::vector<std::unique_ptr<BlockDevice>> devices,
                                          LayoutChoice layout) {
  if (devices.empty()) return Status(Code::InvalidArgument, "no member device given");
  MemberSet set;
  set.loaded_.resize(devices.size());
  for (auto& d : devices) {
    std::string name = d->name();
    set.members_.push_back(std::make_unique<OpenMember>(
        OpenMember{std::move(name), std::move(d), set.loaded_[set.members_.size()]}));
  }
  LLB_RETURN_IF_ERROR(set.reload(layout));
  return set;
}

Status MemberSet::reload(LayoutChoice layout) {
  std::vector<BlockDevice*> devs;
  for (auto& om : members_) devs.push_back(om->dev.get());
  std::vector<Result<Member>> loaded = load_members(devs, layout);
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (!loaded[i].ok()) return loaded[i].status();
    members_[i]->member = std::move(loaded[i]).value();
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

Status MemberSet::check_distinct_members() const {
  if (view_.conflicts.empty()) return Status();
  std::string all;
  for (const Finding& f : view_.conflicts) all += (all.empty() ? "" : "; ") + f.message;
  return Status(Code::InvalidArgument, all + "; nothing written");
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
