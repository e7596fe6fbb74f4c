#include "libformat/ops/write_plan.h"

#include <algorithm>
#include <map>
#include <set>

#include "libformat/codec/ranges.h"

namespace llb {
namespace {

std::string hex_bytes(const std::vector<std::uint8_t>& b) {
  if (b.empty()) return "(none)";
  if (std::all_of(b.begin(), b.end(), [&](std::uint8_t x) { return x == b[0]; })) {
    return str_cat(hex(b[0], 2).substr(2), b.size() > 1 ? str_cat(" x", b.size()) : "");
  }
  std::string s;
  for (std::size_t i = 0; i < b.size() && i < 24; ++i) {
    if (i) s += ' ';
    s += hex(b[i], 2).substr(2);
  }
  if (b.size() > 24) s += str_cat(" ... (", b.size(), " bytes)");
  return s;
}

// The changes in the order apply_changes writes them: by group, and in plan order within one.
std::vector<const ByteChange*> in_write_order(const std::vector<ByteChange>& changes) {
  std::vector<const ByteChange*> ordered;
  for (const ByteChange& c : changes) ordered.push_back(&c);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const ByteChange* a, const ByteChange* b) { return a->order < b->order; });
  return ordered;
}

}  // namespace

Result<UndoLog> make_undo_log(const std::vector<WriteTarget>& targets,
                              const std::vector<ByteChange>& changes) {
  UndoLog log;
  for (const WriteTarget& t : targets) {
    UndoDevice d;
    d.path = t.path;
    d.size_bytes = t.dev->size_bytes();
    d.array_uuid = t.array_uuid;
    d.device_uuid = t.device_uuid;
    log.devices.push_back(std::move(d));
  }
  // Block-aligned ranges per device, merged where they touch or overlap.
  std::map<std::size_t, std::vector<Range>> ranges;
  for (const ByteChange& c : changes) {
    BlockDevice& dev = *targets[c.member].dev;
    const std::uint64_t bs = std::max<std::uint32_t>(512, dev.logical_block_size());
    const std::uint64_t first = c.offset_bytes / bs * bs;
    const std::uint64_t end =
        std::min(dev.size_bytes(), (c.offset_bytes + c.new_bytes.size() + bs - 1) / bs * bs);
    ranges[c.member].push_back({first, end});
  }
  for (auto& [device, rs] : ranges) {
    for (const auto& [first, end] : merged_ranges(std::move(rs))) {
      auto old_b = read_bytes(*targets[device].dev, first, end - first);
      if (!old_b.ok()) return old_b.status();
      // The range after each write that touches it, in the order apply_changes writes: a writer
      // killed between two writes leaves it in one of these states.
      std::vector<std::uint8_t> now = *old_b;
      std::vector<std::uint64_t> states;
      for (const ByteChange* c : in_write_order(changes)) {
        if (c->member != device) continue;
        const std::uint64_t c_end = c->offset_bytes + c->new_bytes.size();
        if (c_end <= first || c->offset_bytes >= end) continue;
        for (std::uint64_t o = std::max(first, c->offset_bytes); o < std::min(end, c_end); ++o) {
          now[o - first] = c->new_bytes[o - c->offset_bytes];
        }
        states.push_back(fnv1a64(now));
      }
      UndoRecord rec;
      rec.device = static_cast<std::uint32_t>(device);
      rec.offset_bytes = first;
      rec.bytes = std::move(old_b).value();
      rec.writer_hashes = std::move(states);
      log.records.push_back(std::move(rec));
    }
  }
  return log;
}

Status apply_changes(const std::vector<WriteTarget>& targets,
                     const std::vector<ByteChange>& changes) {
  const std::vector<const ByteChange*> ordered = in_write_order(changes);
  std::size_t i = 0;
  while (i < ordered.size()) {
    const int order = ordered[i]->order;
    std::set<std::size_t> touched;
    for (; i < ordered.size() && ordered[i]->order == order; ++i) {
      const ByteChange& c = *ordered[i];
      LLB_RETURN_IF_ERROR(targets[c.member].dev->write_at(c.offset_bytes, c.new_bytes));
      touched.insert(c.member);
    }
    for (std::size_t m : touched) LLB_RETURN_IF_ERROR(targets[m].dev->flush());
  }
  return Status();
}

std::string describe_change(const std::string& path, const ByteChange& c) {
  return str_cat(path, ": bytes ", c.offset_bytes, "-", c.offset_bytes + c.new_bytes.size() - 1,
                 " (", c.what, "): old ", hex_bytes(c.old_bytes), " -> new ",
                 hex_bytes(c.new_bytes));
}

}  // namespace llb
