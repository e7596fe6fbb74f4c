#include "libformat/ops/array_layout.h"

namespace llb {

ArrayLayout decide_array_layout(const std::vector<const Member*>& members) {
  const Member* upstream = nullptr;
  const Member* rfc = nullptr;
  for (const Member* m : members) {
    switch (m->layout_evidence) {
      case LayoutEvidence::StrongUpstream:
        if (!upstream) upstream = m;
        break;
      case LayoutEvidence::StrongRfc:
      case LayoutEvidence::WeakRfc:
        if (!rfc || (rfc->layout_evidence == LayoutEvidence::WeakRfc &&
                     m->layout_evidence == LayoutEvidence::StrongRfc)) {
          rfc = m;
        }
        break;
      case LayoutEvidence::None:
        break;
    }
  }
  if (upstream) {
    return {KernelVersion::Upstream,
            str_cat("auto, from the array: ", upstream->device, ": ",
                    upstream->layout_reason.substr(upstream->layout_reason.find(": ") + 2))};
  }
  if (rfc) {
    return {KernelVersion::Rfc,
            str_cat("auto, from the array: ", rfc->device, ": ",
                    rfc->layout_reason.substr(rfc->layout_reason.find(": ") + 2))};
  }
  return {KernelVersion::Upstream, "auto: default (no member shows its layout)"};
}

std::vector<Result<Member>> load_members(const std::vector<BlockDevice*>& devices,
                                         LayoutChoice layout) {
  std::vector<Result<Member>> out;
  out.reserve(devices.size());
  for (BlockDevice* d : devices) out.push_back(load_member(*d, layout));
  if (layout != LayoutChoice::Auto) return out;
  // Group the lockless members by array UUID, in order of first appearance.
  std::vector<bool> done(devices.size(), false);
  for (std::size_t i = 0; i < devices.size(); ++i) {
    if (done[i] || !out[i].ok() || !out[i]->lockless) continue;
    std::vector<std::size_t> group;
    std::vector<const Member*> members;
    for (std::size_t j = i; j < devices.size(); ++j) {
      if (done[j] || !out[j].ok() || !out[j]->lockless) continue;
      if (out[j]->md.sb.set_uuid != out[i]->md.sb.set_uuid) continue;
      done[j] = true;
      group.push_back(j);
      members.push_back(&out[j].value());
    }
    if (group.size() < 2) continue;
    const ArrayLayout decision = decide_array_layout(members);
    for (std::size_t j : group) {
      if (out[j]->layout == decision.layout) continue;
      const std::string own = out[j]->layout_reason;
      auto again = load_member(*devices[j], layout_of(decision.layout));
      if (!again.ok()) {
        out[j] = again.status();
        continue;
      }
      again->layout_reason = str_cat(decision.reason, " (alone, this member would read as ",
                                     own.substr(own.find(": ") + 2), ")");
      again->layout_evidence = out[j]->layout_evidence;
      out[j] = std::move(again);
    }
  }
  return out;
}

}  // namespace llb
