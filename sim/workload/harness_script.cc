#include "sim/workload/harness_script.h"

#include <algorithm>

#include "libformat/codec/create.h"
#include "libformat/codec/llbitmap_geometry.h"

namespace llb::sim {

namespace {

std::string member_dev(std::uint32_t m) { return str_cat("/dev/vd", static_cast<char>('a' + m)); }

// Seconds as sleep(1) takes them: "0.25", "3".
std::string seconds(Tick t) {
  const Tick whole = t / kTicksPerSecond, frac = t % kTicksPerSecond;
  if (!frac) return std::to_string(whole);
  std::string f = std::to_string(frac + kTicksPerSecond).substr(1);  // six digits
  while (f.back() == '0') f.pop_back();
  return str_cat(whole, ".", f);
}

// The knobs a boot starts with: the trace's own, echoed where the kernel's defaults differ.
void boot_knobs(std::string& s, const ArrayConfig& a) {
  if (a.daemon_sleep_s != kDefaultDaemonSleep) {
    s += str_cat("echo ", a.daemon_sleep_s, " > /sys/block/md0/md/llbitmap/daemon_sleep\n");
  }
  if (a.barrier_idle_s != kDefaultBarrierIdle) {
    s += str_cat("echo ", a.barrier_idle_s, " > /sys/block/md0/md/llbitmap/barrier_idle\n");
  }
  if (a.safe_mode_delay_ms != ArrayConfig{}.safe_mode_delay_ms) {
    s += str_cat("echo ", seconds(Tick{a.safe_mode_delay_ms} * kTicksPerMs),
                 " > /sys/block/md0/md/safe_mode_delay\n");
  }
}

// One user I/O as dd runs it: one request of the op's length at its byte offset, O_DIRECT.
std::string io_command(const TraceOp& op) {
  if (op.kind == OpKind::Read) {
    return str_cat("dd if=/dev/md0 of=/dev/null bs=", op.length_bytes, " count=1 skip=",
                   op.offset_bytes, " iflag=direct,skip_bytes status=none");
  }
  // busybox dd has no oflag=dsync: a FUA write becomes a write and an fsync of the md device.
  return str_cat("dd if=/dev/urandom of=/dev/md0 bs=", op.length_bytes, " count=1 seek=",
                 op.offset_bytes, " iflag=fullblock oflag=direct,seek_bytes conv=notrunc",
                 op.fua ? ",fsync" : "", " status=none");
}

struct Boot {
  std::string body;
  Tick guest_time = 0;  // waits, for the guest's timeout
};

}  // namespace

Result<std::vector<HarnessScenario>> harness_scenarios(const Trace& t, const std::string& name) {
  if (!safe_file_label(name)) {
    return Status(Code::InvalidArgument, str_cat("scenario name '", name,
                                 "': expected letters, digits, '.', '_', '-', not starting with '.'"));
  }
  const ArrayConfig& a = t.array;
  std::vector<Boot> boots(1);
  std::uint32_t async_in_flight = 0;
  Tick until_base_done = 0;  // the last until_us time slept to
  bool until_started = false;
  auto wait_async = [&](std::string& s) {
    if (async_in_flight) s += "wait\n";
    async_in_flight = 0;
  };
  for (std::size_t i = 0; i < t.ops.size(); ++i) {
    const TraceOp& op = t.ops[i];
    std::string& s = boots.back().body;
    switch (op.kind) {
      case OpKind::Create: {
        std::string devs;
        for (std::uint32_t m = 0; m < a.members; ++m) devs += " " + member_dev(m);
        const std::uint64_t mdadm_doff = mdadm_data_offset_sectors(a.disk.size_bytes / 512);
        s += str_cat("mdadm --create /dev/md0 --run --level=1 --raid-devices=", a.members,
                     " --metadata=1.2 --bitmap=lockless",
                     op.assume_clean ? " --assume-clean" : "",
                     a.disk.data_offset_sectors != mdadm_doff
                         ? str_cat(" --data-offset=", a.disk.data_offset_sectors / 2, "K")
                         : std::string(),
                     devs, "\n");
        boot_knobs(s, a);
        break;
      }
      case OpKind::Assemble: {
        std::string devs;
        for (std::uint32_t m = 0; m < a.members; ++m) {
          if (op.offered >> m & 1) devs += " " + member_dev(m);
        }
        s += str_cat("mdadm --assemble /dev/md0 --run", devs, "\n");
        boot_knobs(s, a);
        break;
      }
      case OpKind::WaitSync: s += "waitsync\n"; break;
      case OpKind::Write:
      case OpKind::Read:
        if (op.async) {
          // An async op with a depth first waits until fewer are in flight; the shell cannot
          // wait for one job of several, so it waits for all of them (never more in flight).
          if (op.depth && async_in_flight >= op.depth) wait_async(s);
          s += io_command(op) + " &\n";
          ++async_in_flight;
        } else {
          s += io_command(op) + "\n";
        }
        break;
      case OpKind::Discard:
        s += str_cat("blkdiscard -o ", op.offset_bytes, " -l ", op.length_bytes, " /dev/md0",
                     op.async ? " &" : "", "\n");
        if (op.async) ++async_in_flight;
        break;
      case OpKind::Flush: s += "sync /dev/md0\n"; break;
      case OpKind::Wait: {
        Tick d = op.duration;
        if (op.until) {
          // fio's earliest issue times, measured from the first until wait: the guest sleeps the
          // gaps between them (the time its I/O takes is not subtracted).
          if (!until_started) {
            until_started = true;
            until_base_done = op.duration;
            d = 0;
          } else {
            d = op.duration > until_base_done ? op.duration - until_base_done : 0;
            until_base_done = std::max(until_base_done, op.duration);
          }
        }
        if (d) s += str_cat("sleep ", seconds(d), "\n");
        boots.back().guest_time += d;
        break;
      }
      case OpKind::WaitIo: wait_async(s); break;
      case OpKind::Set:
        if (op.knob == "safe_mode_delay_ms") {
          s += str_cat("echo ", seconds(op.value * kTicksPerMs), " > /sys/block/md0/md/safe_mode_delay\n");
        } else {
          s += str_cat("echo ", op.value, " > /sys/block/md0/md/llbitmap/", op.knob, "\n");
        }
        break;
      case OpKind::Fail: s += str_cat("mdadm /dev/md0 --fail ", member_dev(op.member), "\n"); break;
      case OpKind::Remove:
        s += str_cat("mdadm /dev/md0 --remove ", member_dev(op.member), "\n");
        break;
      case OpKind::Readd:
        s += str_cat("mdadm /dev/md0 --re-add ", member_dev(op.member), "\n");
        break;
      case OpKind::BadBlock:
        s += str_cat("echo \"", op.sector, " ", op.sectors, "\" > /sys/block/md0/md/dev-vd",
                     static_cast<char>('a' + op.member), "/bad_blocks\n");
        break;
      case OpKind::IoError:
      case OpKind::MediaError:
        return Status(Code::Unsupported, str_cat("op ", i, " (", op_name(op.kind),
                                     "): not translated to the harness yet (it needs "
                                     "device-mapper members); the simulator alone runs it"));
      case OpKind::Stop:
        wait_async(s);
        s += "mdadm --stop /dev/md0\n";
        break;
      case OpKind::Poweroff:
      case OpKind::Crash:
        // The guest ends here. A crash waits for the I/O in flight first (the guest cannot stop
        // within one); `poweroff -f` runs md's reboot notifier, then the guest powers off.
        wait_async(s);
        s += op.kind == OpKind::Poweroff ? "poweroff -f\nsleep 5\n" : "crash\n";
        boots.emplace_back();
        break;
      case OpKind::Export: break;  // the simulator's side; the harness keeps every boot's images
      case OpKind::Dump:
        s += str_cat("dump ", op.label.empty() ? std::string("dump") : op.label, "\n");
        break;
    }
  }
  if (boots.back().body.empty() && boots.size() > 1) boots.pop_back();
  else {
    wait_async(boots.back().body);
    boots.back().body += "crash\n";
  }
  std::vector<HarnessScenario> out;
  for (std::size_t b = 0; b < boots.size(); ++b) {
    HarnessScenario sc;
    sc.name = str_cat(name, "-b", b + 1);
    const Tick timeout_s = 120 + boots[b].guest_time / kTicksPerSecond * 2;
    sc.script = str_cat("# Translated by llbitmap-sim scenario from the trace '", t.name, "', boot ",
                        b + 1, " of ", boots.size(), ".\n# DISKS=", a.members, "\n# SIZE=",
                        a.disk.size_bytes, "\n# LBS=", a.disk.logical_block_size,
                        "\n# QEMU_TIMEOUT=", timeout_s, "\n");
    if (b) sc.script += str_cat("# FROM=", name, "-b", b, "\n");
    sc.script += str_cat("MEMBERS=\"");
    for (std::uint32_t m = 0; m < a.members; ++m) sc.script += (m ? " " : "") + member_dev(m);
    sc.script += "\"\n" + boots[b].body;
    out.push_back(std::move(sc));
  }
  return out;
}

Trace differential_trace(const Trace& t, const std::string& name, const std::string& dir) {
  Trace d = t;
  d.ops.clear();
  std::size_t boot = 0;
  auto boot_end = [&](OpKind kind) {
    TraceOp w;
    w.kind = OpKind::WaitIo;
    d.ops.push_back(w);
    TraceOp end;
    end.kind = kind;
    end.inflight = CrashFate::Landed;  // nothing is in flight; the guest's caches reach the images
    end.cached = CrashFate::Landed;
    d.ops.push_back(end);
    TraceOp e;
    e.kind = OpKind::Export;
    e.dir = dir;
    e.label = str_cat(name, "-b", ++boot);
    d.ops.push_back(e);
  };
  bool open = false;  // ops since the last boot ended
  for (const TraceOp& op : t.ops) {
    if (op.kind == OpKind::Export || op.kind == OpKind::IoError || op.kind == OpKind::MediaError) {
      continue;
    }
    if (op.kind == OpKind::Crash || op.kind == OpKind::Poweroff) {
      boot_end(op.kind);
      open = false;
      continue;
    }
    d.ops.push_back(op);
    open = true;
  }
  if (open || !boot) boot_end(OpKind::Crash);
  return d;
}

}  // namespace llb::sim
