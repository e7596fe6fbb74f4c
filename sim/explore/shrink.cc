// Shrinking a violating workload: the smallest trace that still breaks the invariant.

#include <utility>

#include "sim/explore/explore.h"

namespace llb::sim {
namespace {

bool has_violation(const Trace& t, const ExploreOptions& o) {
  ExploreOptions q = o;
  q.stop_at_first = true;
  ExploreResult r = explore(t, q);
  return r.run_error.empty() && !r.violations.empty();
}

}  // namespace

Trace shrink(const Trace& trace, const ExploreOptions& options) {
  Trace best = trace;
  if (!has_violation(best, options)) return best;
  // Operations, one at a time, to a fixpoint (the first op, create, stays).
  bool progress = true;
  while (progress) {
    progress = false;
    for (std::size_t i = best.ops.size(); i-- > 1;) {
      Trace t = best;
      t.ops.erase(t.ops.begin() + static_cast<std::ptrdiff_t>(i));
      if (has_violation(t, options)) {
        best = std::move(t);
        progress = true;
      }
    }
  }
  // Fewer members, then smaller members.
  while (best.array.members > 2) {
    Trace t = best;
    --t.array.members;
    std::erase_if(t.ops, [&](const TraceOp& op) {
      return (op.kind == OpKind::Fail || op.kind == OpKind::Remove || op.kind == OpKind::Readd ||
              op.kind == OpKind::IoError) && op.member >= t.array.members;
    });
    if (!has_violation(t, options)) break;
    best = std::move(t);
  }
  for (std::uint64_t size : {16ull << 20, 32ull << 20, 64ull << 20}) {
    if (size >= best.array.disk.size_bytes) break;
    Trace t = best;
    t.array.disk.size_bytes = size;
    bool fits = true;
    for (const TraceOp& op : t.ops) {
      fits = fits && op.offset_bytes + op.length_bytes + (1u << 20) < size;
    }
    if (fits && has_violation(t, options)) {
      best = std::move(t);
      break;
    }
  }
  best.description = "shrunk from " + (trace.name.empty() ? std::string("a workload") : trace.name) +
                     ": " + best.description;
  return best;
}

}  // namespace llb::sim
