// Writing a trace back as JSON (docs/sim-trace.md): what a seeded workload, an import or a
// shrink saves so that every run can be replayed.

#include "sim/workload/trace.h"

#include "libformat/report/json.h"

namespace llb::sim {

std::string trace_to_json(const Trace& t) {
  Json j;
  j["format"] = "llbitmap-sim-trace";
  j["version"] = kTraceVersion;
  j["name"] = t.name;
  if (!t.description.empty()) j["description"] = t.description;
  if (t.seed) j["seed"] = *t.seed;
  if (t.kernel) j["kernel"] = kernel_model_name(*t.kernel);
  const ArrayConfig& a = t.array;
  j["array"] = {{"members", a.members},
                {"member_size", a.disk.size_bytes},
                {"logical_block_size", a.disk.logical_block_size},
                {"data_offset_sectors", a.disk.data_offset_sectors},
                {"volatile_cache", a.disk.volatile_cache}};
  j["disk"] = {{"write_latency_us", {a.disk.write_latency_min, a.disk.write_latency_max}},
               {"read_latency_us", {a.disk.read_latency_min, a.disk.read_latency_max}},
               {"flush_latency_us", {a.disk.flush_latency_min, a.disk.flush_latency_max}}};
  j["knobs"] = {{"daemon_sleep", a.daemon_sleep_s},
                {"barrier_idle", a.barrier_idle_s},
                {"safe_mode_delay_ms", a.safe_mode_delay_ms}};
  Json ops = Json::array();
  auto fate = [](CrashFate f) {
    switch (f) {
      case CrashFate::Lost: return "lost";
      case CrashFate::Landed: return "landed";
      case CrashFate::Torn: return "torn";
      case CrashFate::Random: return "random";
    }
    return "lost";
  };
  for (const TraceOp& op : t.ops) {
    Json o;
    o["op"] = op_name(op.kind);
    switch (op.kind) {
      case OpKind::Write:
      case OpKind::Read:
      case OpKind::Discard:
        o["offset"] = op.offset_bytes;
        o["length"] = op.length_bytes;
        if (op.pattern) o["pattern"] = op.pattern;
        if (op.fua) o["fua"] = true;
        if (op.async) o["async"] = true;
        if (op.depth) o["depth"] = op.depth;
        break;
      case OpKind::Create: if (op.assume_clean) o["assume_clean"] = true; break;
      case OpKind::Assemble:
        if (op.offered != ~0u) {
          Json list = Json::array();
          for (std::uint32_t m = 0; m < 32; ++m) {
            if (op.offered >> m & 1u) list.push_back(std::string("vd") + static_cast<char>('a' + m));
          }
          o["members"] = list;
        }
        break;
      case OpKind::Wait: o[op.until ? "until_us" : "us"] = op.duration; break;
      case OpKind::WaitSync: o["timeout_s"] = op.timeout / kTicksPerSecond; break;
      case OpKind::Set: o["knob"] = op.knob; o["value"] = op.value; break;
      case OpKind::Fail:
      case OpKind::Remove:
      case OpKind::Readd: o["member"] = op.member; break;
      case OpKind::IoError:
        o["member"] = op.member;
        o["count"] = op.count;
        o["kind"] = op.read_errors ? "read" : "write";
        break;
      case OpKind::MediaError:
        o["member"] = op.member;
        o["offset"] = op.offset_bytes;
        o["length"] = op.length_bytes;
        break;
      case OpKind::BadBlock:
        o["member"] = op.member;
        o["sector"] = op.sector;
        o["sectors"] = op.sectors;
        break;
      case OpKind::Crash: o["inflight"] = fate(op.inflight); o["cached"] = fate(op.cached); break;
      case OpKind::Export: o["dir"] = op.dir; if (!op.label.empty()) o["label"] = op.label; break;
      case OpKind::Dump: if (!op.label.empty()) o["label"] = op.label; break;
      default: break;
    }
    ops.push_back(o);
  }
  j["ops"] = ops;
  return json_text(j, 2) + "\n";
}

}  // namespace llb::sim
