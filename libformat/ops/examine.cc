#include "libformat/ops/examine.h"

#include <memory>

#include "libformat/ops/array_layout.h"
#include "libformat/io/device_identity.h"

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
  if (m.classic && m.classic->dirty && m.md.sb.resync_offset != kMaxSector) {
    // A classic bitmap with dirty bits on an array not marked clean: assembly resyncs them.
    return kExamineAttention;
  }
  return kExamineClean;
}

// Loads the devices that opened (`devs[i]` null for the others) and fills ex in device order.
void load_all(Examination& ex, const std::vector<BlockDevice*>& devs, LayoutChoice layout) {
  std::vector<BlockDevice*> open;
  for (BlockDevice* d : devs) {
    if (d) open.push_back(d);
  }
  std::vector<Result<Member>> loaded = load_members(open, layout);
  ex.members.reserve(loaded.size());
  std::size_t k = 0;
  for (std::size_t i = 0; i < devs.size(); ++i) {
    if (!devs[i]) continue;
    DeviceExamination& d = ex.devices[i];
    Result<Member>& m = loaded[k++];
    if (!m.ok()) {
      d.error = m.status();
      d.exit_bits = bits_for_error(m.status(), false);
      continue;
    }
    ex.members.push_back(std::move(m).value());
    d.member = ex.members.size() - 1;
    d.exit_bits = bits_for_member(ex.members.back());
  }
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
    if (v.plan.action == LoadAction::Refused || !v.conflicts.empty()) {
      ex.exit_status |= kExamineUnusable;
    }
    if (!v.recoveries.empty()) ex.exit_status |= kExamineAttention;
  }
}

}  // namespace

Examination examine_paths(const std::vector<std::string>& paths, LayoutChoice layout) {
  Examination ex;
  std::vector<std::unique_ptr<BlockDevice>> owned(paths.size());
  std::vector<BlockDevice*> devs(paths.size(), nullptr);
  std::vector<DeviceIdentity> ids;
  std::vector<std::size_t> id_index;  // path index of ids[k]
  for (std::size_t i = 0; i < paths.size(); ++i) {
    DeviceExamination d;
    d.path = paths[i];
    auto id = identify_device(paths[i]);
    if (id.ok()) {
      // One device given twice (a symlink, "./a", a hard link, a loop device and its file) is
      // examined once: the second spelling is a usage error, reported in its place.
      std::size_t same = ids.size();
      for (std::size_t k = 0; k < ids.size(); ++k) {
        if (same_device(ids[k], *id)) {
          same = k;
          break;
        }
      }
      if (same != ids.size()) {
        d.error = Status(Code::InvalidArgument,
                         str_cat(paths[i], ": the same device as ", paths[id_index[same]],
                                 ", given before; examined once"));
        d.exit_bits = kExamineUsage;
        ex.devices.push_back(std::move(d));
        continue;
      }
      ids.push_back(std::move(id).value());
      id_index.push_back(i);
    }
    auto dev = open_device(paths[i], Access::ReadOnly);
    if (!dev.ok()) {
      d.error = dev.status();
      d.exit_bits = bits_for_error(dev.status(), true);
    } else {
      owned[i] = std::move(dev).value();
      devs[i] = owned[i].get();
    }
    ex.devices.push_back(std::move(d));
  }
  load_all(ex, devs, layout);
  finish(ex);
  return ex;
}

Examination examine_devices(const std::vector<BlockDevice*>& devices, LayoutChoice layout) {
  Examination ex;
  for (BlockDevice* dev : devices) {
    DeviceExamination d;
    d.path = dev->name();
    ex.devices.push_back(std::move(d));
  }
  load_all(ex, devices, layout);
  finish(ex);
  return ex;
}

}  // namespace llb
