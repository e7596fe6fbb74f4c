#include "sim/workload/trace.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "libformat/codec/create.h"
#include "libformat/report/json.h"

namespace llb::sim {

std::string_view op_name(OpKind k) {
  switch (k) {
    case OpKind::Create: return "create";
    case OpKind::Assemble: return "assemble";
    case OpKind::WaitSync: return "wait_sync";
    case OpKind::Write: return "write";
    case OpKind::Read: return "read";
    case OpKind::Discard: return "discard";
    case OpKind::Flush: return "flush";
    case OpKind::Wait: return "wait";
    case OpKind::WaitIo: return "wait_io";
    case OpKind::Set: return "set";
    case OpKind::Fail: return "fail";
    case OpKind::Remove: return "remove";
    case OpKind::Readd: return "readd";
    case OpKind::IoError: return "io_error";
    case OpKind::Stop: return "stop";
    case OpKind::Poweroff: return "poweroff";
    case OpKind::Crash: return "crash";
    case OpKind::Export: return "export";
    case OpKind::Dump: return "dump";
    case OpKind::MediaError: return "media_error";
    case OpKind::BadBlock: return "bad_block";
  }
  return "?";
}

std::optional<std::uint64_t> parse_size(const std::string& s) {
  if (s.empty()) return std::nullopt;
  std::size_t i = 0;
  std::uint64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (v > (~std::uint64_t{0}) / 10) return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
    ++i;
  }
  if (i == 0) return std::nullopt;
  if (i == s.size()) return v;
  if (i + 1 != s.size() && !(i + 2 == s.size() && (s[i + 1] == 'B' || s[i + 1] == 'b'))) {
    return std::nullopt;
  }
  int shift = 0;
  switch (s[i]) {
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    default: return std::nullopt;
  }
  if (v > ((~std::uint64_t{0}) >> shift)) return std::nullopt;
  return v << shift;
}

namespace {

struct Ctx {
  std::string source;
  std::string where;  // "ops[3] (write)"
  Status error(std::string_view field, const std::string& value, std::string_view expected) const {
    return Status(Code::BadField, str_cat(source, ": ", where, ": field '", field, "' is ", value,
                                          ", expected ", expected));
  }
};

std::string show(const Json& v) { return json_text(v); }

Result<std::uint64_t> get_size(const Json& obj, const char* field, const Ctx& c,
                               std::optional<std::uint64_t> dflt = std::nullopt) {
  if (!obj.contains(field)) {
    if (dflt) return *dflt;
    return c.error(field, "missing", "a size in bytes (a number, or a string like \"64K\")");
  }
  const Json& v = obj[field];
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_string()) {
    auto s = parse_size(v.get<std::string>());
    if (s) return *s;
  }
  return c.error(field, show(v), "a size in bytes (a number, or a string like \"64K\")");
}

Result<std::uint64_t> get_uint(const Json& obj, const char* field, const Ctx& c,
                               std::optional<std::uint64_t> dflt = std::nullopt) {
  if (!obj.contains(field)) {
    if (dflt) return *dflt;
    return c.error(field, "missing", "a non-negative integer");
  }
  const Json& v = obj[field];
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  return c.error(field, show(v), "a non-negative integer");
}

Result<bool> get_bool(const Json& obj, const char* field, const Ctx& c, bool dflt) {
  if (!obj.contains(field)) return dflt;
  if (obj[field].is_boolean()) return obj[field].get<bool>();
  return c.error(field, show(obj[field]), "true or false");
}

// A string field: `def` when absent; an error when present but not a string.
Result<std::string> get_string(const Json& obj, const char* field, const Ctx& c, std::string def) {
  if (!obj.is_object() || !obj.contains(field)) return def;
  if (!obj[field].is_string()) return c.error(field, show(obj[field]), "a string");
  return obj[field].get<std::string>();
}

Result<std::uint32_t> member_value(const Json& v, const Ctx& c, std::uint32_t members,
                                   const char* field) {
  std::optional<std::uint32_t> m;
  if (v.is_number_unsigned()) m = v.get<std::uint32_t>();
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s.size() == 3 && s[0] == 'v' && s[1] == 'd' && s[2] >= 'a' && s[2] <= 'z') {
      m = static_cast<std::uint32_t>(s[2] - 'a');
    }
  }
  if (!m || *m >= members) {
    return c.error(field, show(v), str_cat("a member index below ", members, " or vda..vd",
                                           static_cast<char>('a' + members - 1)));
  }
  return *m;
}

Result<std::uint32_t> get_member(const Json& obj, const Ctx& c, std::uint32_t members) {
  if (!obj.contains("member")) return c.error("member", "missing", "a member index or name (vda)");
  return member_value(obj["member"], c, members, "member");
}

Result<CrashFate> get_fate(const Json& obj, const char* field, const Ctx& c) {
  if (!obj.contains(field)) return CrashFate::Lost;
  const Json& v = obj[field];
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s == "lost") return CrashFate::Lost;
    if (s == "landed" || s == "kept") return CrashFate::Landed;
    if (s == "torn") return CrashFate::Torn;
    if (s == "random") return CrashFate::Random;
  }
  return c.error(field, show(v), "lost, landed (kept), torn or random");
}

#define TRY(var, expr)              \
  auto var##_r = (expr);            \
  if (!var##_r.ok()) return var##_r.status(); \
  auto var = *var##_r

Result<TraceOp> parse_op(const Json& o, std::size_t index, const Ctx& parent,
                         const ArrayConfig& array) {
  Ctx c{parent.source, str_cat("ops[", index, "]")};
  if (!o.is_object()) return c.error("op", show(o), "an object");
  if (!o.contains("op") || !o["op"].is_string()) {
    return c.error("op", o.contains("op") ? show(o["op"]) : "missing", "an operation name");
  }
  const std::string name = o["op"].get<std::string>();
  c.where += " (" + name + ")";
  TraceOp op;
  static const std::pair<const char*, OpKind> kKinds[] = {
      {"create", OpKind::Create}, {"assemble", OpKind::Assemble}, {"wait_sync", OpKind::WaitSync},
      {"write", OpKind::Write},   {"read", OpKind::Read},         {"discard", OpKind::Discard},
      {"flush", OpKind::Flush},   {"wait", OpKind::Wait},         {"wait_io", OpKind::WaitIo},
      {"set", OpKind::Set},       {"fail", OpKind::Fail},         {"remove", OpKind::Remove},
      {"readd", OpKind::Readd},   {"io_error", OpKind::IoError},  {"stop", OpKind::Stop},
      {"poweroff", OpKind::Poweroff}, {"crash", OpKind::Crash},   {"export", OpKind::Export},
      {"dump", OpKind::Dump},     {"media_error", OpKind::MediaError},
      {"bad_block", OpKind::BadBlock}};
  bool known = false;
  for (auto [n, k] : kKinds) {
    if (name == n) {
      op.kind = k;
      known = true;
    }
  }
  if (!known) {
    return c.error("op", show(o["op"]),
                   "one of create, assemble, wait_sync, write, read, discard, flush, wait, "
                   "wait_io, set, fail, remove, readd, io_error, media_error, bad_block, stop, "
                   "poweroff, crash, export, dump");
  }
  const std::uint64_t array_bytes =
      (array.disk.size_bytes / 512 - array.disk.data_offset_sectors) * 512;
  switch (op.kind) {
    case OpKind::Write:
    case OpKind::Read:
    case OpKind::Discard: {
      if (o.contains("dd")) {
        // dd-style: {"bs": "4k", "count": 1, "seek": 0} (seek counted in bs units)
        const Json& d = o["dd"];
        TRY(bs, get_size(d, "bs", c));
        TRY(count, get_uint(d, "count", c, 1));
        TRY(seek, get_uint(d, "seek", c, 0));
        op.offset_bytes = bs * seek;
        op.length_bytes = bs * count;
      } else {
        TRY(off, get_size(o, "offset", c));
        TRY(len, get_size(o, "length", c));
        op.offset_bytes = off;
        op.length_bytes = len;
      }
      if (op.offset_bytes % 512 || op.length_bytes % 512 || op.length_bytes == 0) {
        return c.error("offset/length", str_cat(op.offset_bytes, "+", op.length_bytes),
                       "whole 512-byte sectors and a length above 0");
      }
      if (op.offset_bytes + op.length_bytes > array_bytes) {
        return c.error("offset/length", str_cat(op.offset_bytes, "+", op.length_bytes),
                       str_cat("inside the array's ", array_bytes, " bytes"));
      }
      TRY(pattern, get_uint(o, "pattern", c, 0));
      TRY(fua, get_bool(o, "fua", c, false));
      TRY(async, get_bool(o, "async", c, false));
      TRY(depth, get_uint(o, "depth", c, 0));
      if (depth > 1024) return c.error("depth", std::to_string(depth), "0 (no limit) to 1024");
      op.pattern = pattern;
      op.fua = fua;
      op.async = async;
      op.depth = static_cast<std::uint32_t>(depth);
      break;
    }
    case OpKind::Create: {
      TRY(ac, get_bool(o, "assume_clean", c, false));
      op.assume_clean = ac;
      break;
    }
    case OpKind::Assemble: {
      // mdadm --assemble /dev/md0 vda vdb: the members offered (default every one).
      if (!o.contains("members")) break;
      if (!o["members"].is_array() || o["members"].empty()) {
        return c.error("members", show(o["members"]), "a non-empty list of members (vda, 1, ...)");
      }
      op.offered = 0;
      for (const Json& v : o["members"]) {
        TRY(m, member_value(v, c, array.members, "members"));
        op.offered |= 1u << m;
      }
      break;
    }
    case OpKind::WaitSync: {
      TRY(t, get_uint(o, "timeout_s", c, 600));
      op.timeout = t * kTicksPerSecond;
      break;
    }
    case OpKind::Wait: {
      if (o.contains("until_us")) {
        TRY(us, get_uint(o, "until_us", c));
        op.duration = us;
        op.until = true;
      } else if (o.contains("ms")) {
        TRY(ms, get_uint(o, "ms", c));
        op.duration = ms * kTicksPerMs;
      } else if (o.contains("us")) {
        TRY(us, get_uint(o, "us", c));
        op.duration = us;
      } else {
        TRY(s, get_uint(o, "s", c));
        op.duration = s * kTicksPerSecond;
      }
      break;
    }
    case OpKind::Set: {
      if (!o.contains("knob") || !o["knob"].is_string()) {
        return c.error("knob", o.contains("knob") ? show(o["knob"]) : "missing",
                       "daemon_sleep, barrier_idle or safe_mode_delay_ms");
      }
      op.knob = o["knob"].get<std::string>();
      if (op.knob != "daemon_sleep" && op.knob != "barrier_idle" &&
          op.knob != "safe_mode_delay_ms") {
        return c.error("knob", show(o["knob"]), "daemon_sleep, barrier_idle or safe_mode_delay_ms");
      }
      TRY(v, get_uint(o, "value", c));
      op.value = v;
      break;
    }
    case OpKind::Fail:
    case OpKind::Remove:
    case OpKind::Readd:
    case OpKind::IoError: {
      TRY(m, get_member(o, c, array.members));
      op.member = m;
      if (op.kind == OpKind::IoError) {
        TRY(n, get_uint(o, "count", c, 1));
        op.count = static_cast<std::uint32_t>(n);
        TRY(kind, get_string(o, "kind", c, "write"));
        if (kind != "write" && kind != "read") return c.error("kind", show(o["kind"]), "write or read");
        op.read_errors = kind == "read";
      }
      break;
    }
    case OpKind::MediaError: {
      TRY(m, get_member(o, c, array.members));
      op.member = m;
      TRY(off, get_size(o, "offset", c));
      TRY(len, get_size(o, "length", c));
      op.offset_bytes = off;
      op.length_bytes = len;
      if (off % 512 || len % 512 || len == 0 || off + len > array_bytes || off + len < off) {
        return c.error("offset/length", str_cat(off, "+", len),
                       str_cat("whole 512-byte sectors, a length above 0, inside the array's ",
                               array_bytes, " bytes"));
      }
      break;
    }
    case OpKind::BadBlock: {
      TRY(m, get_member(o, c, array.members));
      op.member = m;
      TRY(sector, get_uint(o, "sector", c));
      TRY(sectors, get_uint(o, "sectors", c, 8));
      const std::uint64_t member_sectors = array.disk.size_bytes / 512;
      if (sectors == 0 || sector >= member_sectors || sectors > member_sectors - sector) {
        return c.error("sector/sectors", str_cat(sector, "+", sectors),
                       str_cat("a range above 0 sectors inside the member's ", member_sectors,
                               " sectors"));
      }
      op.sector = sector;
      op.sectors = sectors;
      break;
    }
    case OpKind::Crash: {
      TRY(inflight, get_fate(o, "inflight", c));
      TRY(cached, get_fate(o, "cached", c));
      op.inflight = inflight;
      op.cached = cached;
      break;
    }
    case OpKind::Export: {
      if (!o.contains("dir") || !o["dir"].is_string()) {
        return c.error("dir", o.contains("dir") ? show(o["dir"]) : "missing", "a directory path");
      }
      op.dir = o["dir"].get<std::string>();
      {
        TRY(label, get_string(o, "label", c, ""));
        // The label starts the exported files' names: it must not lead out of the directory.
        if (!safe_file_label(label)) {
          return c.error("label", show(o["label"]),
                         "letters, digits, '.', '_' and '-', not starting with '.' (a file name "
                         "prefix inside dir)");
        }
        op.label = label;
      }
      break;
    }
    case OpKind::Dump:
      {
        TRY(label, get_string(o, "label", c, ""));
        op.label = label;
      }
      break;
    default: break;
  }
  return op;
}

}  // namespace

bool safe_file_label(const std::string& label) {
  if (label.empty()) return true;
  if (label.size() > 128 || label.front() == '.') return false;
  for (char ch : label) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<ShapeProblem> array_shape_problem(std::uint64_t members, std::uint64_t member_size_bytes,
                                                std::uint64_t data_offset_sectors) {
  if (members < 2 || members > 8) return ShapeProblem{"members", std::to_string(members), "2 to 8"};
  if (member_size_bytes % 4096 || member_size_bytes < (data_offset_sectors + 128) * 512 ||
      member_size_bytes > (1ull << 40)) {
    return ShapeProblem{"member_size", std::to_string(member_size_bytes),
                        str_cat("a multiple of 4 KiB, at least the data offset (",
                                data_offset_sectors * 512, " bytes) plus one 64 KiB chunk, at most 1 TiB")};
  }
  return std::nullopt;
}

std::optional<ShapeProblem> logical_block_size_problem(std::uint64_t bytes) {
  if (bytes == 512 || bytes == 4096) return std::nullopt;
  return ShapeProblem{"logical_block_size", std::to_string(bytes), "512 or 4096"};
}

Result<Trace> parse_trace(const std::string& text, const std::string& source) {
  Ctx c{source, "trace"};
  if (const std::size_t depth = json_depth(text); depth > kMaxJsonDepth) {
    return Status(Code::BadField, str_cat(source, ": JSON nested ", depth,
                                          " levels deep, expected at most ", kMaxJsonDepth,
                                          " (a trace needs 3)"));
  }
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return Status(Code::BadField, str_cat(source, ": not valid JSON"));
  }
  if (!j.is_object()) return c.error("(top level)", show(j).substr(0, 40), "an object");
  if (!j.contains("format") || !j["format"].is_string() ||
      j["format"].get<std::string>() != "llbitmap-sim-trace") {
    return c.error("format", j.contains("format") ? show(j["format"]) : "missing",
                   "\"llbitmap-sim-trace\"");
  }
  if (!j.contains("version") || !j["version"].is_number_unsigned() ||
      j["version"].get<int>() != kTraceVersion) {
    return c.error("version", j.contains("version") ? show(j["version"]) : "missing", "1");
  }
  Trace t;
  TRY(name, get_string(j, "name", c, "trace"));
  TRY(description, get_string(j, "description", c, ""));
  t.name = name;
  t.description = description;
  if (j.contains("seed")) {
    TRY(seed, get_uint(j, "seed", c));
    t.seed = seed;
  }
  if (j.contains("kernel")) {
    t.kernel = parse_kernel_model(j["kernel"].is_string() ? j["kernel"].get<std::string>() : "");
    if (!t.kernel) return c.error("kernel", show(j["kernel"]), std::string(kernel_model_choices()));
  }
  ArrayConfig& a = t.array;
  if (j.contains("array")) {
    const Json& ar = j["array"];
    Ctx ca{source, "array"};
    if (ar.contains("level")) {
      // md's level, as mdadm --level takes it. The simulator models RAID1 only: a trace that asks
      // for another level is refused rather than run as RAID1.
      const Json& lv = ar["level"];
      const std::string level = lv.is_string() ? lv.get<std::string>()
                                : lv.is_number_integer() ? std::to_string(lv.get<std::int64_t>())
                                                         : show(lv);
      if (level != "raid1" && level != "1" && level != "mirror") {
        return ca.error("level", show(lv),
                        level == "raid10" || level == "10"
                            ? "raid1 (RAID10 is not modelled yet)"
                            : "raid1 (the only level the simulator models)");
      }
    }
    TRY(members, get_uint(ar, "members", ca, 2));
    TRY(size, get_size(ar, "member_size", ca, 64ull << 20));
    TRY(lbs, get_uint(ar, "logical_block_size", ca, 512));
    if (auto p = logical_block_size_problem(lbs)) return ca.error(p->field, p->value, p->expected);
    // Unless the trace names it, the data offset mdadm would choose for members of this size.
    TRY(doff, get_uint(ar, "data_offset_sectors", ca, mdadm_data_offset_sectors(size / 512)));
    if (doff < 512 || doff % 8 || doff > (1ull << 31)) {
      return ca.error("data_offset_sectors", std::to_string(doff),
                      "at least 512 (room for the bitmap), a multiple of 8, at most 2^31");
    }
    if (auto p = array_shape_problem(members, size, doff)) return ca.error(p->field, p->value, p->expected);
    a.members = static_cast<std::uint32_t>(members);
    TRY(vc, get_bool(ar, "volatile_cache", ca, true));
    a.disk.size_bytes = size;
    a.disk.logical_block_size = static_cast<std::uint32_t>(lbs);
    a.disk.data_offset_sectors = doff;
    a.disk.volatile_cache = vc;
  }
  if (j.contains("disk")) {
    const Json& d = j["disk"];
    Ctx cd{source, "disk"};
    auto range = [&](const char* field, Tick& lo, Tick& hi) -> Status {
      if (!d.contains(field)) return Status();
      const Json& v = d[field];
      if (!v.is_array() || v.size() != 2 || !v[0].is_number_unsigned() ||
          !v[1].is_number_unsigned() || v[0].get<Tick>() > v[1].get<Tick>() || v[0].get<Tick>() == 0) {
        return cd.error(field, show(v), "[min, max] in microseconds, 0 < min <= max");
      }
      lo = v[0].get<Tick>() * kTicksPerUs;
      hi = v[1].get<Tick>() * kTicksPerUs;
      return Status();
    };
    LLB_RETURN_IF_ERROR(range("write_latency_us", a.disk.write_latency_min, a.disk.write_latency_max));
    LLB_RETURN_IF_ERROR(range("read_latency_us", a.disk.read_latency_min, a.disk.read_latency_max));
    LLB_RETURN_IF_ERROR(range("flush_latency_us", a.disk.flush_latency_min, a.disk.flush_latency_max));
  }
  if (j.contains("knobs")) {
    const Json& k = j["knobs"];
    Ctx ck{source, "knobs"};
    TRY(ds, get_uint(k, "daemon_sleep", ck, kDefaultDaemonSleep));
    TRY(bi, get_uint(k, "barrier_idle", ck, kDefaultBarrierIdle));
    TRY(sm, get_uint(k, "safe_mode_delay_ms", ck, 200));
    if (ds == 0) return ck.error("daemon_sleep", "0", "at least 1 second");
    a.daemon_sleep_s = static_cast<std::uint32_t>(ds);
    a.barrier_idle_s = static_cast<std::uint32_t>(bi);
    a.safe_mode_delay_ms = static_cast<std::uint32_t>(sm);
  }
  if (!j.contains("ops") || !j["ops"].is_array()) {
    return c.error("ops", j.contains("ops") ? show(j["ops"]).substr(0, 40) : "missing",
                   "a list of operations");
  }
  for (std::size_t i = 0; i < j["ops"].size(); ++i) {
    auto op = parse_op(j["ops"][i], i, c, a);
    if (!op.ok()) return op.status();
    // dd issues `count` separate writes of `bs` bytes: so does the trace.
    const Json& o = j["ops"][i];
    std::uint64_t count = 1;
    if (o.contains("dd") && o["dd"].contains("count") && o["dd"]["count"].is_number_unsigned()) {
      count = o["dd"]["count"].get<std::uint64_t>();
    }
    if (count > 1) {
      TraceOp each = *op;
      each.length_bytes = op->length_bytes / count;
      for (std::uint64_t k = 0; k < count; ++k) {
        t.ops.push_back(each);
        each.offset_bytes += each.length_bytes;
      }
    } else {
      t.ops.push_back(*op);
    }
  }
  return t;
}

Result<std::string> read_input(const std::string& path, std::string_view what) {
  std::ostringstream s;
  if (path == "-") {
    s << std::cin.rdbuf();
    if (std::cin.bad()) return Status(Code::IoError, str_cat("standard input: cannot read the ", what));
    return s.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::NotFound, str_cat(path, ": cannot open the ", what));
  s << in.rdbuf();
  return s.str();
}

Result<Trace> load_trace(const std::string& path) {
  auto text = read_input(path, "trace");
  if (!text.ok()) return text.status();
  return parse_trace(*text, path == "-" ? "standard input" : path);
}

}  // namespace llb::sim
