#include "libformat/ops/array_view.h"

#include <algorithm>

namespace llb {
namespace {

std::uint32_t role_key(const Member* m) {
  std::uint16_t r = m->md.sb.role();
  return r < kRoleMax ? r : 0x10000u + r;
}

void compare(ArrayView& v) {
  const Member& src = *v.members[v.bitmap_source];
  for (std::size_t i = 0; i < v.members.size(); ++i) {
    const Member& m = *v.members[i];
    MemberComparison c;
    c.member = i;
    c.md_events = m.md.sb.events;
    c.events_behind = static_cast<std::int64_t>(v.max_events - m.md.sb.events);
    const auto* a = src.state_bytes();
    const auto* b = m.state_bytes();
    if (&m == &src) {
      c.bitmap_comparable = a != nullptr;  // the source against itself: nothing differs
    } else if (a && b && a->size() == b->size()) {
      c.bitmap_comparable = true;
      for (std::uint64_t k = 0; k < a->size(); ++k) {
        if ((*a)[k] == (*b)[k]) continue;
        ++c.differing_bytes;
        if (!c.differing_runs.empty() && c.differing_runs.back().last + 1 == k &&
            c.differing_runs.back().value == (*b)[k]) {
          c.differing_runs.back().last = k;
        } else {
          c.differing_runs.push_back({k, k, (*b)[k]});
        }
      }
    }
    v.comparisons.push_back(std::move(c));
  }
}

// Members that claim what only one device can hold.
void find_conflicts(ArrayView& v) {
  for (std::size_t j = 0; j < v.members.size(); ++j) {
    const Member& b = *v.members[j];
    for (std::size_t i = 0; i < j; ++i) {
      const Member& a = *v.members[i];
      if (a.md.sb.device_uuid == b.md.sb.device_uuid) {
        v.conflicts.push_back(
            {Severity::Error, "member-duplicate-device-uuid",
             str_cat(a.device, " and ", b.device, " both carry device UUID ",
                     uuid_colon(a.md.sb.device_uuid),
                     ": one is a copy of the other (or both of one disk); a member must be given "
                     "once, and a clone must not stand in for a mirror")});
        continue;
      }
      if (a.md.sb.dev_number == b.md.sb.dev_number) {
        v.conflicts.push_back(
            {Severity::Error, "member-duplicate-slot",
             str_cat(a.device, " and ", b.device, " both claim slot dev_number ",
                     a.md.sb.dev_number, " of the array: only one device can hold it")});
        continue;
      }
      const std::uint16_t ra = role_in_array(v, i), rb = role_in_array(v, j);
      const bool replacing = a.member_class.state == RdevState::Replacement ||
                             b.member_class.state == RdevState::Replacement;
      if (ra == rb && ra < kRoleMax && !replacing) {
        v.conflicts.push_back(
            {Severity::Error, "member-duplicate-role",
             str_cat(a.device, " and ", b.device, " both hold active role ", ra,
                     " by the freshest superblock: only one device can be that mirror")});
      }
    }
  }
}

// Members the kernel will rebuild: recovering ones, and replacements, from recovery_offset on.
void find_recoveries(ArrayView& v) {
  for (std::size_t i = 0; i < v.members.size(); ++i) {
    const Member& m = *v.members[i];
    const MemberClass& mc = m.member_class;
    if (mc.state != RdevState::Recovering && mc.state != RdevState::Replacement) continue;
    RecoveryNeed r;
    r.member = i;
    r.from_sector = mc.recovery_offset;
    r.sectors = m.md.sb.size > mc.recovery_offset ? m.md.sb.size - mc.recovery_offset : 0;
    r.bitmap_driven = mc.recovery_bitmap;
    v.recoveries.push_back(r);
  }
}

}  // namespace

std::uint16_t role_in_array(const ArrayView& v, std::size_t member) {
  const Member& m = *v.members[member];
  const Member* freshest = v.members[v.fresh.empty() ? member : v.fresh.front()];
  const MdSuperblock& sb = freshest->md.sb;
  if (m.md.sb.dev_number < sb.max_dev && m.md.sb.dev_number < sb.dev_roles.size()) {
    return sb.dev_roles[m.md.sb.dev_number];
  }
  return kRoleSpare;
}

std::vector<ArrayView> build_array_views(const std::vector<Member>& members) {
  std::vector<ArrayView> views;
  for (const Member& m : members) {
    auto it = std::find_if(views.begin(), views.end(),
                           [&](const ArrayView& v) { return v.uuid == m.md.sb.set_uuid; });
    if (it == views.end()) {
      views.emplace_back();
      it = views.end() - 1;
      it->uuid = m.md.sb.set_uuid;
    }
    it->members.push_back(&m);
  }
  for (ArrayView& v : views) {
    std::stable_sort(v.members.begin(), v.members.end(), [](const Member* a, const Member* b) {
      return role_key(a) < role_key(b);
    });
    for (const Member* m : v.members) v.max_events = std::max(v.max_events, m->md.sb.events);
    for (std::size_t i = 0; i < v.members.size(); ++i) {
      (v.members[i]->md.sb.events == v.max_events ? v.fresh : v.lagging).push_back(i);
    }
    // The kernel reads the bitmap from the first In_sync member (read_sb_page skips the others);
    // prefer one whose bitmap loads.
    v.bitmap_source = v.fresh.front();
    bool chosen = false;
    for (int pass = 0; pass < 2 && !chosen; ++pass) {
      for (std::size_t i : v.fresh) {
        const Member* m = v.members[i];
        if (pass == 0 && !m->member_class.readable_mirror()) continue;
        if (m->verdict && m->verdict->loadable && m->states) {
          v.bitmap_source = i;
          chosen = true;
          break;
        }
      }
    }
    const Member& src = *v.members[v.bitmap_source];
    find_conflicts(v);
    find_recoveries(v);
    // Degraded when the freshest superblock lacks a role, or a fresh member holding a role is
    // still being rebuilt (the kernel counts it out of sync: mddev->degraded).
    v.degraded = !roles_complete(src.md.sb);
    for (std::size_t i : v.fresh) {
      if (v.members[i]->member_class.state == RdevState::Recovering) v.degraded = true;
    }
    v.plan = predict_assembly(src, v.degraded);
    compare(v);
    // Conservative union over fresh members: what any of them would have the kernel sync.
    if (!v.plan.states_after_load.empty() && v.fresh.size() == 1) {
      v.union_flagged.assign(v.plan.states_after_load.size(), 0);
      for (const StateRun& r : v.plan.sync_runs) {
        std::fill(v.union_flagged.begin() + static_cast<std::ptrdiff_t>(r.first),
                  v.union_flagged.begin() + static_cast<std::ptrdiff_t>(r.last + 1), 1);
      }
    } else if (!v.plan.states_after_load.empty()) {
      v.union_flagged.assign(v.plan.states_after_load.size(), 0);
      for (std::size_t i : v.fresh) {
        const Member& m = *v.members[i];
        if (!m.states || m.states->bytes.size() != v.union_flagged.size()) continue;
        std::vector<std::uint8_t> s = m.states->bytes;
        apply_load(m.layout, m.verdict && m.verdict->stale, s);
        for (std::size_t k = 0; k < s.size(); ++k) {
          if (chunk_needs_sync(m.layout, s[k], v.degraded)) v.union_flagged[k] = 1;
        }
      }
    }
  }
  return views;
}

}  // namespace llb
