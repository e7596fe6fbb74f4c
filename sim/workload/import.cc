#include "sim/workload/import.h"

#include <fstream>
#include <sstream>

namespace llb::sim {
namespace {

constexpr std::uint64_t kDataOffsetBytes = 1u << 20;  // the simulated members' data_offset

Trace base_trace(const std::string& source, const ImportOptions& o, const char* what) {
  Trace t;
  t.name = source.substr(source.rfind('/') + 1);
  t.description = str_cat("imported from ", what, " ", source);
  t.array.members = o.members;
  t.array.disk.size_bytes = o.member_size_bytes;
  TraceOp create;
  create.kind = OpKind::Create;
  t.ops.push_back(create);
  TraceOp sync;
  sync.kind = OpKind::WaitSync;
  t.ops.push_back(sync);
  return t;
}

// The importers' array must be one the simulator takes (array_shape_problem).
Status check_shape(const std::string& source, const ImportOptions& o) {
  if (auto p = array_shape_problem(o.members, o.member_size_bytes, kDataOffsetBytes / 512)) {
    return Status(Code::BadField, str_cat(source, ": import option ", p->field, " is ", p->value,
                                          ", expected ", p->expected));
  }
  return Status();
}

// Folds [offset, offset+length) into the array, in whole sectors.
void place(const ImportOptions& o, std::uint64_t offset, std::uint64_t length, TraceOp& op) {
  const std::uint64_t array = o.member_size_bytes - kDataOffsetBytes;
  std::uint64_t len = std::max<std::uint64_t>(512, (length + 511) / 512 * 512);
  len = std::min<std::uint64_t>({len, 4u << 20, array});
  const std::uint64_t room = array - len;
  op.offset_bytes = (offset / 512 * 512) % (room + 512) / 512 * 512;
  op.length_bytes = len;
}

void add_wait(Trace& t, std::uint64_t& last_us, std::uint64_t now_us) {
  if (now_us > last_us) {
    TraceOp w;
    w.kind = OpKind::Wait;
    w.duration = (now_us - last_us) * kTicksPerSecond / 1000000;
    if (w.duration) t.ops.push_back(w);
  }
  last_us = std::max(last_us, now_us);
}

// An earliest issue time: a `wait` with until_us (times count from the first one).
void add_until(Trace& t, std::uint64_t us) {
  TraceOp w;
  w.kind = OpKind::Wait;
  w.until = true;
  w.duration = us * kTicksPerSecond / 1000000;
  t.ops.push_back(w);
}

void finish(Trace& t) {
  TraceOp w;
  w.kind = OpKind::WaitIo;
  t.ops.push_back(w);
}

std::uint32_t io_ops(const Trace& t) {
  std::uint32_t n = 0;
  for (const TraceOp& op : t.ops) {
    n += op.kind == OpKind::Write || op.kind == OpKind::Read || op.kind == OpKind::Discard ||
         op.kind == OpKind::Flush;
  }
  return n;
}

Status line_error(const std::string& source, std::size_t line, const std::string& text,
                  const std::string& expected) {
  return Status(Code::BadField, str_cat(source, ": line ", line, ": '", text, "': expected ", expected));
}

}  // namespace

Result<Trace> import_fio_iolog(const std::string& text, const std::string& source,
                               const ImportOptions& o) {
  if (Status st = check_shape(source, o); !st.ok()) return st;
  std::istringstream in(text);
  std::string first;
  std::getline(in, first);
  int version = 0;
  if (first.rfind("fio version 2 iolog", 0) == 0) version = 2;
  if (first.rfind("fio version 3 iolog", 0) == 0) version = 3;
  if (!version) {
    return line_error(source, 1, first, "\"fio version 2 iolog\" or \"fio version 3 iolog\"");
  }
  Trace t = base_trace(source, o, version == 2 ? "fio iolog v2" : "fio iolog v3");
  std::string line;
  std::size_t n = 1;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    std::istringstream ls(line);
    std::vector<std::string> f;
    for (std::string w; ls >> w;) f.push_back(w);
    std::size_t i = 0;
    std::uint64_t ts_us = 0;
    if (version == 3) {
      if (f.empty()) continue;
      try {
        ts_us = std::stoull(f[0]);
      } catch (...) {
        return line_error(source, n, line, "a timestamp in microseconds first (iolog v3)");
      }
      // Up to about 115 days, as for blkparse.
      if (ts_us > 10'000'000ull * 1'000'000ull) {
        return line_error(source, n, line, "a timestamp of at most 10^13 microseconds");
      }
      i = 1;
    }
    if (f.size() < i + 2) return line_error(source, n, line, "FILE ACTION [OFFSET LENGTH]");
    const std::string& action = f[i + 1];
    if (action == "add" || action == "open" || action == "close") continue;
    std::uint64_t off = 0, len = 0;
    if (f.size() >= i + 4) {
      try {
        off = std::stoull(f[i + 2]);
        len = std::stoull(f[i + 3]);
      } catch (...) {
        return line_error(source, n, line, "numeric OFFSET and LENGTH");
      }
    } else if (action != "sync" && action != "datasync" && !(action == "wait" && f.size() >= i + 3)) {
      return line_error(source, n, line, "FILE ACTION OFFSET LENGTH");
    }
    if (version == 3) add_until(t, ts_us);
    TraceOp op;
    op.async = version == 3;
    op.depth = version == 3 ? o.iodepth : 0;
    if (action == "write") {
      op.kind = OpKind::Write;
      place(o, off, len, op);
    } else if (action == "read") {
      op.kind = OpKind::Read;
      place(o, off, len, op);
    } else if (action == "trim") {
      op.kind = OpKind::Discard;
      place(o, off, len, op);
    } else if (action == "sync" || action == "datasync") {
      op.kind = OpKind::Flush;
      op.async = false;
    } else if (action == "wait") {
      // v2: the offset field holds the delay in microseconds.
      try {
        op.kind = OpKind::Wait;
        op.duration = std::stoull(f[i + 2]) * kTicksPerSecond / 1000000;
      } catch (...) {
        return line_error(source, n, line, "a delay in microseconds after 'wait'");
      }
    } else {
      return line_error(source, n, line, "action add, open, close, read, write, trim, sync, datasync or wait");
    }
    t.ops.push_back(op);
    if (o.max_ops && io_ops(t) >= o.max_ops) break;
  }
  finish(t);
  return t;
}

Result<Trace> import_blkparse(const std::string& text, const std::string& source,
                              const ImportOptions& o) {
  if (Status st = check_shape(source, o); !st.ok()) return st;
  // "  8,0    1        1     0.000000000  4164  Q  WS 1048576 + 8 [dd]"
  struct Rec {
    double time;
    std::string action, rwbs;
    std::uint64_t sector, count;
  };
  std::vector<Rec> recs;
  bool any_q = false;
  std::istringstream in(text);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::istringstream ls(line);
    std::vector<std::string> f;
    for (std::string w; ls >> w;) f.push_back(w);
    if (f.size() < 7 || f[0].find(',') == std::string::npos) continue;  // summaries, blank lines
    Rec r;
    try {
      r.time = std::stod(f[3]);
    } catch (...) {
      return line_error(source, n, line, "a time in seconds in the fourth field (blkparse)");
    }
    // Up to about 115 days: enough for any trace, and safe to turn into microseconds.
    if (!(r.time >= 0 && r.time <= 1e7)) {
      return line_error(source, n, line, "a time between 0 and 10000000 seconds in the fourth field");
    }
    r.action = f[5];
    r.rwbs = f[6];
    r.sector = r.count = 0;
    if (f.size() >= 10 && f[8] == "+") {
      try {
        r.sector = std::stoull(f[7]);
        r.count = std::stoull(f[9]);
      } catch (...) {
        return line_error(source, n, line, "SECTOR + COUNT");
      }
    }
    any_q = any_q || r.action == "Q";
    recs.push_back(r);
  }
  if (recs.empty()) return Status(Code::BadField, str_cat(source, ": no blkparse event lines found"));
  Trace t = base_trace(source, o, "blkparse");
  const std::string want = any_q ? "Q" : "D";
  std::uint64_t last_us = static_cast<std::uint64_t>(recs.front().time * 1e6);
  for (const Rec& r : recs) {
    if (r.action != want) continue;
    TraceOp op;
    op.async = true;
    const bool discard = r.rwbs.find('D') != std::string::npos;
    const bool write = r.rwbs.find('W') != std::string::npos;
    const bool read = r.rwbs.find('R') != std::string::npos;
    if (discard && r.count) {
      op.kind = OpKind::Discard;
    } else if (write && r.count) {
      op.kind = OpKind::Write;
      // RWBS: a leading F is a preflush, an F after the W is FUA ("WFS").
      op.fua = r.rwbs.find('F', r.rwbs.find('W')) != std::string::npos;
    } else if (read && r.count) {
      op.kind = OpKind::Read;
    } else if (r.rwbs.find('F') != std::string::npos) {
      op.kind = OpKind::Flush;
      op.async = false;
    } else {
      continue;
    }
    add_wait(t, last_us, static_cast<std::uint64_t>(r.time * 1e6));
    if (op.kind != OpKind::Flush) place(o, r.sector * 512, r.count * 512, op);
    t.ops.push_back(op);
    if (o.max_ops && io_ops(t) >= o.max_ops) break;
  }
  finish(t);
  return t;
}

Result<Trace> import_workload_file(const std::string& path, const ImportOptions& o) {
  auto read = read_input(path, "capture");  // "-": standard input
  if (!read.ok()) return read.status();
  const std::string& text = *read;
  const std::string source = path == "-" ? "standard input" : path;
  if (text.rfind("fio version", 0) == 0) return import_fio_iolog(text, source, o);
  return import_blkparse(text, source, o);
}

}  // namespace llb::sim
