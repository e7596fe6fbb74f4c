#include "examine.h"

namespace llb {
namespace {

int bits_for_error(const Status& s, bool opening) {
  switch (s.code()) {
    case Code::IoError:
    case Code::ShortRead:
      return kExamineUnreadable;
    case Code::NotFound:
      return opening ? kExamineUnreadable : kExamineUnusable;
    default:
      return opening ? kExamineUnreadable : kExamineUnusable;
  }
}

int bits_for_member(const Member& m) {
  if (has_severity(m.findings, Severity::Error)) return kExamineUnusable;
  if (has_severity(m.findings, Severity::Warning)) return kExamineAttention;
  return kExamineClean;
}

void load_one(Examination& ex, DeviceExamination& d, BlockDevice& dev, LayoutChoice layout) {
  auto m = load_member(dev, layout);
  if (!m.ok()) {
    d.error = m.status();
    d.exit_bits = bits_for_error(m.status(), false);
    return;
  }
  ex.members.push_back(std::move(m).value());
  d.member = ex.members.size() - 1;
  d.exit_bits = bits_for_member(ex.members.back());
}

void finish(Examination& ex) {
  ex.arrays = build_array_views(ex.members);
  ex.exit_status = 0;
  for (const auto& d : ex.devices) ex.exit_status |= d.exit_bits;
  for (const ArrayView& v : ex.arrays) {
    bool differs = false;
    for (const auto& c : v.comparisons) differs = differs || c.differing_bytes;
    if (v.plan.sync_chunks || !v.lagging.empty() || v.degraded || differs) {
      ex.exit_status |= kExamineAttention;
    }
    if (v.plan.action == LoadAction::Refused) ex.exit_status |= kExamineUnusable;
  }
}

}  // namespace

Examination examine_paths(const std::vector<std::string>& paths, LayoutChoice layout) {
  Examination ex;
  ex.members.reserve(paths.size());
  for (const std::string& p : paths) {
    DeviceExamination d;
    d.path = p;
    auto dev = open_device(p, Access::ReadOnly);
    if (!dev.ok()) {
      d.error = dev.status();
      d.exit_bits = bits_for_error(dev.status(), true);
    } else {
      load_one(ex, d, **dev, layout);
    }
    ex.devices.push_back(std::move(d));
  }
  finish(ex);
  return ex;
}

Examination examine_devices(const std::vector<BlockDevice*>& devices, LayoutChoice layout) {
  Examination ex;
  ex.members.reserve(devices.size());
  for (BlockDevice* dev : devices) {
    DeviceExamination d;
    d.path = dev->name();
    load_one(ex, d, *dev, layout);
    ex.devices.push_back(std::move(d));
  }
  finish(ex);
  return ex;
}

}  // namespace llb
