#include "sim/workload/random_workload.h"

#include "sim/core/prng.h"

namespace llb::sim {

Trace random_workload(std::uint64_t seed, const WorkloadOptions& o) {
  Prng p(seed);
  Trace t;
  t.name = str_cat("random-", seed);
  t.description = "random workload from a seed";
  t.seed = seed;
  t.array.members = o.members;
  t.array.disk.size_bytes = o.member_size_bytes;
  t.array.disk.logical_block_size = o.logical_block_size;
  const std::uint64_t array_bytes =
      o.member_size_bytes - t.array.disk.data_offset_sectors * 512;
  const std::uint64_t unit = std::max<std::uint64_t>(4096, o.logical_block_size);
  const std::uint64_t span = o.hot_chunks ? std::min<std::uint64_t>(array_bytes, o.hot_chunks * 65536ull)
                                          : array_bytes;
  auto op = [](OpKind k) {
    TraceOp x;
    x.kind = k;
    return x;
  };
  t.ops.push_back(op(OpKind::Create));
  t.ops.push_back(op(OpKind::WaitSync));
  bool degraded = false;
  std::uint32_t failed = 0;
  bool async_pending = false;
  for (std::uint32_t i = 0; i < o.ops; ++i) {
    const std::uint64_t r = p.below(100);
    if (r < 60) {
      TraceOp w = op(OpKind::Write);
      const std::uint64_t len = unit * p.range(1, o.max_write_kib * 1024 / unit);
      w.length_bytes = std::min(len, span);
      w.offset_bytes = p.below((span - w.length_bytes) / unit + 1) * unit;
      w.async = o.async && p.chance(1, 3);
      async_pending = async_pending || w.async;
      t.ops.push_back(w);
    } else if (r < 75) {
      TraceOp w = op(OpKind::Wait);
      w.duration = p.chance(1, 2) ? p.range(1, 500) * kTicksPerMs : p.range(1, 40) * kTicksPerSecond;
      if (o.max_wait_ms) w.duration = std::min<Tick>(w.duration, Tick{o.max_wait_ms} * kTicksPerMs);
      if (async_pending) {
        t.ops.push_back(op(OpKind::WaitIo));
        async_pending = false;
      }
      t.ops.push_back(w);
    } else if (r < 80 && o.discards) {
      TraceOp d = op(OpKind::Discard);
      d.length_bytes = unit * p.range(1, 64);
      d.length_bytes = std::min(d.length_bytes, span);
      d.offset_bytes = p.below((span - d.length_bytes) / unit + 1) * unit;
      t.ops.push_back(d);
    } else if (r < 85) {
      t.ops.push_back(op(OpKind::Flush));
    } else if (r < 90 && o.knob_changes) {
      TraceOp s = op(OpKind::Set);
      s.knob = p.chance(1, 2) ? "daemon_sleep" : "barrier_idle";
      s.value = p.range(1, 30);
      t.ops.push_back(s);
    } else if (r < 95 && o.failures && !o.media_errors) {
      // (Not with media errors: a member failed while its mirror holds bad blocks is a double
      // fault, and md's recovery around bad blocks is not modelled.)
      if (async_pending) {
        t.ops.push_back(op(OpKind::WaitIo));
        async_pending = false;
      }
      if (!degraded) {
        TraceOp f = op(OpKind::Fail);
        f.member = static_cast<std::uint32_t>(p.below(o.members));
        failed = f.member;
        t.ops.push_back(f);
        TraceOp rm = op(OpKind::Remove);
        rm.member = failed;
        t.ops.push_back(rm);
        degraded = true;
      } else {
        TraceOp ra = op(OpKind::Readd);
        ra.member = failed;
        t.ops.push_back(ra);
        t.ops.push_back(op(OpKind::WaitSync));
        degraded = false;
      }
    } else if (o.media_errors && p.chance(1, 2)) {
      // A defect under a few blocks of one member, and the write that meets it.
      TraceOp e = op(OpKind::MediaError);
      e.member = static_cast<std::uint32_t>(p.below(o.members));
      e.length_bytes = std::min(unit * p.range(1, 16), span);
      e.offset_bytes = p.below((span - e.length_bytes) / unit + 1) * unit;
      t.ops.push_back(e);
      TraceOp w = op(OpKind::Write);
      w.offset_bytes = e.offset_bytes;
      w.length_bytes = e.length_bytes;
      t.ops.push_back(w);
    } else {
      TraceOp w = op(OpKind::Wait);
      w.duration = p.range(1, 50) * kTicksPerMs;
      t.ops.push_back(w);
    }
  }
  if (o.crash_at_end) {
    t.ops.push_back(op(OpKind::Crash));
    t.ops.push_back(op(OpKind::Assemble));
    t.ops.push_back(op(OpKind::WaitSync));
  } else if (async_pending) {
    t.ops.push_back(op(OpKind::WaitIo));
  }
  return t;
}

}  // namespace llb::sim
