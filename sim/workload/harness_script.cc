#include "sim/workload/harness_script.h"

#include <algorithm>

#include "libformat/codec/create.h"
#include "libformat/codec/ranges.h"
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

// One user I/O as dd runs it: one request of the op's length at its byte offset, O_DIRECT; a
// discard as blkdiscard runs it.
std::string io_command(const TraceOp& op) {
  if (op.kind == OpKind::Discard) {
    return str_cat("blkdiscard -o ", op.offset_bytes, " -l ", op.length_bytes, " /dev/md0");
  }
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
  std::string dm_setup;  // the device-mapper members, as the boot starts
  std::string body;
  Tick guest_time = 0;  // waits, for the guest's timeout
};

// Media defects as the guest makes them: each member behind a device-mapper device (llbN, which
// md names dm-N: created in member order, nothing else uses dm) whose table maps the disk
// linearly, except a defect's sectors, which go to dm-flakey, always down (up 0 s, down 1 s),
// failing writes only (error_writes): reads pass, as the simulator's defect lets them.
class DmMembers {
 public:
  explicit DmMembers(const ArrayConfig& a) : a_(a), defects_(a.members) {}

  std::string device(std::uint32_t m) const { return str_cat("/dev/mapper/llb", m); }
  std::string md_name(std::uint32_t m) const { return str_cat("dm-", m); }

  // A defect at array bytes [offset, offset + length) on member m, as the simulator places it.
  void add_defect(std::uint32_t m, std::uint64_t offset_bytes, std::uint64_t length_bytes) {
    const std::uint64_t first = a_.disk.data_offset_sectors + offset_bytes / 512;
    defects_[m].emplace_back(first, first + length_bytes / 512);
    defects_[m] = merged_ranges(std::move(defects_[m]));
  }

  // The commands that create every member's device, with the defects so far.
  std::string create_all() const {
    std::string s = "export DM_DISABLE_UDEV=1\n";
    for (std::uint32_t m = 0; m < a_.members; ++m) {
      s += str_cat(write_table(m), "dmsetup create llb", m, " /tmp/llb", m, ".table\n");
    }
    return s;
  }

  // The commands that swap member m's table for one with its defects (md's I/O waits meanwhile).
  std::string reload(std::uint32_t m) const {
    return str_cat(write_table(m), "dmsetup suspend llb", m, "\ndmsetup load llb", m, " /tmp/llb",
                   m, ".table\ndmsetup resume llb", m, "\n");
  }

 private:
  std::string write_table(std::uint32_t m) const {
    const std::string disk = member_dev(m);
    const std::uint64_t size = a_.disk.size_bytes / 512;
    std::string t;
    std::uint64_t at = 0;
    auto linear = [&](std::uint64_t end) {
      if (end > at) t += str_cat(at, " ", end - at, " linear ", disk, " ", at, "\\n");
      at = end;
    };
    for (const auto& [first, end] : defects_[m]) {
      linear(std::min(first, size));
      const std::uint64_t e = std::min(end, size);
      if (e > at) t += str_cat(at, " ", e - at, " flakey ", disk, " ", at, " 0 1 1 error_writes\\n");
      at = std::max(at, e);
    }
    linear(size);
    return str_cat("printf '", t, "' > /tmp/llb", m, ".table\n");
  }

  const ArrayConfig& a_;
  std::vector<std::vector<Range>> defects_;  // member sectors
};

// When each op ended, as the guest's clock saw it: "llb-op INDEX UPTIME" on the console, INDEX the
// op's place in differential_trace(). The end, not the start: a dd, mdadm or blkdiscard spends
// its first 0.1 s or more (under TCG) starting, and does what md sees last. An async op marks its
// end from its background job; a crash marks the moment it is triggered. Shell builtins only
// (busybox ash: read, echo), so marking starts no process; /proc/uptime counts in 10 ms.
constexpr const char* kMarkFunction =
    "llb_mark() { read llb_up llb_idle < /proc/uptime; echo \"llb-op $1 $llb_up\"; }\n";

}  // namespace

Result<std::vector<HarnessScenario>> harness_scenarios(const Trace& t, const std::string& name) {
  if (!safe_file_label(name)) {
    return Status(Code::InvalidArgument, str_cat("scenario name '", name,
                                 "': expected letters, digits, '.', '_', '-', not starting with '.'"));
  }
  const ArrayConfig& a = t.array;
  std::vector<std::size_t> sim_index;
  (void)differential_trace(t, name, "", &sim_index);
  const bool dm = std::any_of(t.ops.begin(), t.ops.end(),
                              [](const TraceOp& op) { return op.kind == OpKind::MediaError; });
  DmMembers dm_members(a);
  auto md_member = [&](std::uint32_t m) { return dm ? dm_members.device(m) : member_dev(m); };
  auto md_name = [&](std::uint32_t m) {  // md's name of the member: md/dev-NAME
    return dm ? dm_members.md_name(m) : member_dev(m).substr(sizeof("/dev/") - 1);
  };
  std::vector<Boot> boots(1);
  if (dm) boots.back().dm_setup = dm_members.create_all();
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
    const std::string mark =
        sim_index[i] != kNotInSimTrace ? str_cat("llb_mark ", sim_index[i]) : std::string();
    const std::size_t before = s.size();
    switch (op.kind) {
      case OpKind::Create: {
        std::string devs;
        for (std::uint32_t m = 0; m < a.members; ++m) devs += " " + md_member(m);
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
          if (op.offered >> m & 1) devs += " " + md_member(m);
        }
        s += str_cat("mdadm --assemble /dev/md0 --run", devs, "\n");
        boot_knobs(s, a);
        break;
      }
      case OpKind::WaitSync: s += "waitsync\n"; break;
      case OpKind::Write:
      case OpKind::Read:
      case OpKind::Discard:
        if (op.async) {
          // An async op with a depth first waits until fewer are in flight; the shell cannot
          // wait for one job of several, so it waits for all of them (never more in flight).
          // (Not for a discard, as before: the runner limits its depth too, which this
          // translation does not follow yet.)
          if (op.kind != OpKind::Discard && op.depth && async_in_flight >= op.depth) wait_async(s);
          // Its job marks its end, when its I/O has finished.
          s += mark.empty() ? io_command(op) + " &\n" : str_cat("{ ", io_command(op), "; ", mark, "; } &\n");
          ++async_in_flight;
        } else {
          s += io_command(op) + "\n";
        }
        break;
      case OpKind::Flush: s += "sync /dev/md0\n"; break;
      case OpKind::Wait: {
        Tick d = op.duration;
        if (op.until) {
          // fio's earliest issue times, measured from the boot's first until wait: the guest sleeps the
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
      case OpKind::Fail: s += str_cat("mdadm /dev/md0 --fail ", md_member(op.member), "\n"); break;
      case OpKind::Remove:
        s += str_cat("mdadm /dev/md0 --remove ", md_member(op.member), "\n");
        break;
      case OpKind::Readd:
        s += str_cat("mdadm /dev/md0 --re-add ", md_member(op.member), "\n");
        break;
      case OpKind::BadBlock:
        s += str_cat("echo \"", op.sector, " ", op.sectors, "\" > /sys/block/md0/md/dev-",
                     md_name(op.member), "/bad_blocks\n");
        break;
      case OpKind::MediaError:
        dm_members.add_defect(op.member, op.offset_bytes, op.length_bytes);
        s += dm_members.reload(op.member);
        break;
      case OpKind::IoError:
        // dm-flakey fails by time, not by count: "the next N writes" has no table to say it.
        return Status(Code::Unsupported, str_cat("op ", i, " (", op_name(op.kind),
                                     "): not translated to the harness (device-mapper can fail "
                                     "a region or an interval, not the next N requests; "
                                     "media_error is translated); the simulator alone runs it"));
      case OpKind::Stop:
        wait_async(s);
        s += "mdadm --stop /dev/md0\n";
        break;
      case OpKind::Poweroff:
      case OpKind::Crash:
        // The guest ends here. A crash waits for the I/O in flight first (the guest cannot stop
        // within one); `poweroff -f` runs md's reboot notifier, then the guest powers off.
        wait_async(s);
        if (!mark.empty()) s += mark + "\n";
        s += op.kind == OpKind::Poweroff ? "poweroff -f\nsleep 5\n" : "crash\n";
        boots.emplace_back();
        if (dm) boots.back().dm_setup = dm_members.create_all();  // a defect outlives a boot
        until_started = false;  // the next boot's clock starts again
        break;
      case OpKind::Export: break;  // the simulator's side; the harness keeps every boot's images
      case OpKind::Dump:
        // The harness's dump reads the disks beneath; md's writes through dm bypass their cache.
        if (dm) {
          for (std::uint32_t m = 0; m < a.members; ++m) s += str_cat("blockdev --flushbufs ", member_dev(m), "\n");
        }
        s += str_cat("dump ", op.label.empty() ? std::string("dump") : op.label, "\n");
        break;
    }
    // A crash or power-off has marked itself and begun the next boot (`s` is the last boot's);
    // an async op marks from its job; an op that became no command (a wait of 0) marks nothing.
    if (op.kind == OpKind::Crash || op.kind == OpKind::Poweroff || op.async) continue;
    if (!mark.empty() && s.size() > before) s += mark + "\n";
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
    sc.script += str_cat("\"\n", kMarkFunction, boots[b].dm_setup, boots[b].body);
    out.push_back(std::move(sc));
  }
  return out;
}

Trace differential_trace(const Trace& t, const std::string& name, const std::string& dir,
                         std::vector<std::size_t>* sim_index) {
  Trace d = t;
  d.ops.clear();
  if (sim_index) sim_index->assign(t.ops.size(), kNotInSimTrace);
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
  for (std::size_t i = 0; i < t.ops.size(); ++i) {
    const TraceOp& op = t.ops[i];
    if (op.kind == OpKind::Export || op.kind == OpKind::IoError) continue;
    // A boot's end is wait_io, then the crash: the guest's crash comes after its wait.
    if (sim_index) (*sim_index)[i] = d.ops.size() + (op.kind == OpKind::Crash || op.kind == OpKind::Poweroff);
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
