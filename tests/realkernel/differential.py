#!/usr/bin/python3
"""Differential testing: the simulator against the real kernel, trace by trace.

Usage: differential.py [--seeds A:B] [--seed N ...] [--kernel stock|patched] [--ops N] [--max-wait-ms N]
                       [--no-failures] [--no-discards] [--media-errors] [--work DIR] [--rk-root DIR] [--keep]
                       [--json FILE] [--trace FILE ...] TOOLS_DIR

Each workload (a seeded random one, or a trace file) is written as real-kernel harness scenarios
by `llbitmap-sim scenario` (one per boot of the guest; every boot ends with a crash, so its images
are what the members held on disk) and as the same trace for the simulator, which exports the
members at the same moments. Both sides are read with llbitmap-examine and llbitmap-resync
--verify, and compared member by member: the state bytes, the bitmap superblock (events,
events_cleared, state flags, chunksize, daemon_sleep, sync_size), the md superblock (events,
resync_offset, dev_roles, role, recovery_offset, feature_map), the bad-block log, the plan assembly would make, and
the chunks whose mirrors differ.

Some fields depend on timing the guest does not reproduce (TCG runs the guest several times
slower than the simulator's clock): those are compared as ranges, and each such allowance is
named in EXCEPTIONS with its reason; every use of one is counted in the report. A mismatch
prints both sides and the commands that replay the workload on each.

Exit status: 0 every workload agrees, 1 a mismatch, 2 a workload could not be run.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from check import Tools, fmt  # noqa: E402  (the suite's one way of running the tools)

def _left_out(member, ctx):
    """Whether the array's fresh members record `member` as failed or removed (both sides)."""
    idx = ord(member[-1]) - ord("a")
    for side in ("kernel", "sim"):
        roles = [v for (m, f), v in ctx[side].items() if f == "md.dev_roles" and m != member and v]
        if not roles or all(idx >= len(r) or r[idx] < 0xfffe for r in roles):
            return False
    return True


def _failed_member_events(member, k, s, ctx):
    return isinstance(k, int) and isinstance(s, int) and abs(k - s) <= 1 and _left_out(member, ctx)


def _superblock_update_race(member, k, s, ctx):
    return isinstance(k, int) and isinstance(s, int) and abs(k - s) == 1


# Fields compared with an allowance, and why: name -> (fields, predicate(member, kernel value,
# sim value, ctx), why). ctx holds both sides' fields. Used only when exact equality fails.
EXCEPTIONS = {
    "failed-member-events": (
        ("md.events", "bitmap.events"), _failed_member_events,
        "a member failed while the array turned active: whether md's superblock update for that "
        "transition reached it first depends on how long the guest took between the write and "
        "mdadm --fail (the same kernel gave 3 and 4 on two runs of one script); the member is "
        "out of the array either way, so assembly does not read its events"),
    "superblock-update-race": (
        ("md.events", "bitmap.events"), _superblock_update_race,
        "md writes a pending superblock change (a sync checkpoint, the flags a sync's end left) "
        "when its thread happens to run, and close changes merge into one update or not by the "
        "guest's timing: after create events end at 3 or 2 (a kernel instrumented in "
        "md_update_sb showed the initial resync's checkpoint written on its own in some runs), "
        "and one run of a seed with a recovery counted one less than the next; later counts keep "
        "the offset. Larger differences are mismatches"),
}


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class Side:
    """One side's reading of one boot's images."""

    def __init__(self, tools, images):
        self.images = images
        t = Tools(tools)
        self.examine = t.examine(images)
        # The chunks whose mirrors differ, as runs; when a member lags (it failed, or the crash
        # came before its re-add finished) verify refuses, on both sides alike.
        chunks, _unit = t.verify(images, refusal_ok=True)
        self.differ = "verify refused: a member is not in sync" if chunks is None else fmt(chunks)

    def fields(self):
        """{(member, field): value} of everything compared."""
        out = {}
        for dev in self.examine["devices"]:
            m = os.path.basename(dev["path"])[-7:-4]  # vda
            md = dev.get("md_superblock") or {}
            for k in ("events", "resync_offset", "dev_roles", "role", "recovery_offset_sectors",
                      "feature_map", "data_offset_sectors", "state"):
                out[(m, "md." + k)] = md.get(k)
            bm = dev.get("bitmap_superblock") or {}
            for k in ("events", "events_cleared", "state_flags", "chunksize", "daemon_sleep",
                      "sync_size_sectors"):
                out[(m, "bitmap." + k)] = bm.get(k)
            bb = dev.get("bad_blocks")
            out[(m, "bad_blocks")] = None if bb is None else [tuple(b) for b in bb]
            ll = dev.get("llbitmap") or {}
            out[(m, "states")] = [(r["first"], r["last"], r["state"]) for r in ll.get("runs", [])]
        for i, arr in enumerate(self.examine.get("arrays", [])):
            a = arr.get("assembly") or {}
            out[("array", "assembly.action")] = a.get("action")
            out[("array", "assembly.sync_runs")] = [(r["first"], r["last"]) for r in
                                                    a.get("sync_runs", [])]
        out[("array", "mirrors_differ")] = self.differ
        return out


def compare(kernel_side, sim_side, ctx):
    """[(key, kernel value, sim value, allowance or None)] for every field not equal."""
    a, b = kernel_side.fields(), sim_side.fields()
    out = []
    for key in sorted(set(a) | set(b), key=str):
        va, vb = a.get(key), b.get(key)
        if va == vb:
            continue
        allowance = None
        ctx = dict(ctx, kernel=a, sim=b)
        for name, (fields, pred, _why) in EXCEPTIONS.items():
            if key[1] in fields and pred(key[0], va, vb, ctx):
                allowance = name
                break
        out.append((key, va, vb, allowance))
    return out


def guest_op_times(vm_log):
    """{sim trace op index: guest uptime in s} from the "llb-op INDEX UPTIME" lines the
    translated script prints when each op ends (sim/workload/harness_script.cc)."""
    out = {}
    with open(vm_log, errors="replace") as f:
        for line in f:
            m = re.search(r"(?:^|\s)llb-op (\d+) (\d+(?:\.\d+)?)\s*$", line)
            if m:
                out.setdefault(int(m.group(1)), float(m.group(2)))
    return out


def timed_sim_trace(trace, marks_by_boot):
    """The simulator's trace on the guest's schedule. The guest marks each op's end (a crash its
    start); the model issues each op at that time (a wait becomes a wait until its end), in
    the order the guest's ops ended: an async write whose dd ended after the next op moves after
    it. Times are microseconds since the boot's first mark (`until_us`; each boot's clock starts
    again). An op the guest did not mark comes after every op before it. The trace's
    own until waits (a fio capture's issue times) are dropped: the guest slept them."""
    marks = {}
    for boot in marks_by_boot:
        if boot:
            u0 = min(boot.values())
            marks.update({i: round((u - u0) * 1e6) for i, u in boot.items()})
    keyed = []  # (boot, time, index, op)
    boot, latest, prev = 0, 0, None
    for i, op in enumerate(trace["ops"]):
        if op["op"] == "wait" and "until_us" in op:
            continue
        # An unmarked op comes after everything so far (a boot's closing wait_io: after its
        # async writes).
        t = marks.get(i, latest)
        latest = max(latest, t)
        keyed.append((boot, t, i, op))
        if op["op"] == "export" and prev in ("crash", "poweroff"):  # the boot's last op
            boot, latest = boot + 1, 0
        prev = op["op"]
    ops = []
    for _boot, t, i, op in sorted(keyed, key=lambda k: k[:3]):
        if i in marks:
            ops.append({"op": "wait", "until_us": t})
            if op["op"] == "wait":  # the guest's sleep ended then: the until wait is all of it
                continue
        ops.append(op)
    return dict(trace, ops=ops)


def scenario_images(rk_root, kernel, name):
    return sorted(glob.glob(os.path.join(rk_root, kernel, "run", name, "vd?.img")))


def one_workload(args, label, source_args, work):
    """Runs one workload on both sides; returns a result dict."""
    sim = os.path.join(args.tools, "llbitmap-sim")
    wdir = os.path.join(work, label)
    shutil.rmtree(wdir, ignore_errors=True)
    os.makedirs(wdir)
    p = run([sim, "scenario", "--out", wdir, "--name", label] + source_args)
    if p.returncode != 0:
        return {"workload": label, "status": "untranslatable", "why": p.stderr.strip()}
    files = p.stdout.split()
    boots = [os.path.basename(f)[:-3] for f in files if f.endswith(".sh")]
    sim_trace = [f for f in files if f.endswith(".sim.json")][0]
    ops = [o["op"] for o in json.load(open(sim_trace))["ops"]]
    result = {"workload": label, "source": source_args, "boots": len(boots),
              "op_mix": {k: ops.count(k) for k in sorted(set(ops))}}
    sim_kernel = "upstream" if args.kernel == "stock" else "upstream-patched"
    env = dict(os.environ, LLB_RK_EXTRA_SCENARIOS=wdir, LLB_TOOLS_DIR=args.tools)
    t0 = time.time()
    marks = []
    for b in boots:
        p = run([os.path.join(HERE, "scenario.sh"), args.kernel, b, args.rk_root], env=env)
        if p.returncode != 0:
            result.update(status="kernel-failed", boot=b, why=p.stderr.strip()[-800:])
            return result
        marks.append(guest_op_times(os.path.join(args.rk_root, args.kernel, "out", b, "vm.log")))
    result["kernel_seconds"] = round(time.time() - t0, 1)
    if not args.untimed:
        # The model runs each op when the guest finished it (TCG's process starts make the guest's
        # gaps longer than the trace's, and md's safe mode sees every gap over 200 ms).
        if not all(marks):
            result.update(status="kernel-failed", why="the guest printed no op times (llb-op)")
            return result
        with open(sim_trace) as f:
            timed = timed_sim_trace(json.load(f), marks)
        sim_trace = sim_trace[:-len(".sim.json")] + ".timed.sim.json"
        with open(sim_trace, "w") as f:
            json.dump(timed, f, indent=1)
    p = run([sim, "run", sim_trace, "--kernel", sim_kernel, "-q"])
    if p.returncode != 0:
        result.update(status="sim-failed", why=p.stderr.strip() or p.stdout[-400:])
        return result
    mismatches, allowed = [], []
    for b in boots:
        kimgs = scenario_images(args.rk_root, args.kernel, b)
        simgs = sorted(glob.glob(os.path.join(wdir, "sim", b + "-vd?.img")))
        if len(kimgs) != len(simgs) or not kimgs:
            result.update(status="missing-images", boot=b, why=f"kernel {kimgs} sim {simgs}")
            return result
        ctx = {"boot": b}
        try:
            sides = Side(args.tools, kimgs), Side(args.tools, simgs)
        except SystemExit:  # check.py's fail() printed why; the next workload still runs
            result.update(status="unreadable", boot=b)
            return result
        for key, ka, sb, allowance in compare(*sides, ctx):
            entry = {"boot": b, "member": key[0], "field": key[1], "kernel": ka, "sim": sb}
            if allowance:
                entry["allowance"] = allowance
                allowed.append(entry)
            else:
                mismatches.append(entry)
        if not args.keep:
            shutil.rmtree(os.path.join(args.rk_root, args.kernel, "run", b), ignore_errors=True)
    result["allowed"] = allowed
    result["mismatches"] = mismatches
    result["status"] = "agree" if not mismatches else "mismatch"
    result["replay"] = {
        "sim": f"llbitmap-sim run {sim_trace} --kernel {sim_kernel}",
        "kernel": f"LLB_RK_EXTRA_SCENARIOS={wdir} tests/realkernel/scenario.sh {args.kernel} "
                  f"{boots[0]} {args.rk_root}  (then -b2 ...)",
        "regenerate": "llbitmap-sim scenario " + " ".join(source_args) + f" --out DIR --name {label}",
    }
    if not args.keep and not mismatches:
        shutil.rmtree(wdir, ignore_errors=True)
    return result


def show(r):
    line = f"{r['workload']}: {r['status']}"
    if "op_mix" in r:
        line += f" ({r.get('boots')} boots, " + ", ".join(f"{k} {v}" for k, v in r["op_mix"].items()) + ")"
    print(line, flush=True)
    if r["status"] not in ("agree", "mismatch"):
        print("  " + r.get("why", ""))
    for m in r.get("mismatches", []):
        print(f"  MISMATCH {m['boot']} {m['member']} {m['field']}:\n    kernel {m['kernel']}\n"
              f"    sim    {m['sim']}")
    for m in r.get("allowed", []):
        print(f"  allowed ({m['allowance']}) {m['boot']} {m['member']} {m['field']}: kernel "
              f"{m['kernel']}, sim {m['sim']}")
    if r["status"] == "mismatch":
        for k, v in r["replay"].items():
            print(f"  replay ({k}): {v}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tools")
    ap.add_argument("--seeds", default=None, help="A:B, the seeds A to B-1 (default 0:4 "
                    "unless --seed or --trace is given)")
    ap.add_argument("--seed", type=int, action="append", default=[],
                    help="one seed (repeatable), with or instead of --seeds")
    ap.add_argument("--kernel", default="stock", choices=["stock", "patched"])
    ap.add_argument("--ops", type=int, default=12)
    ap.add_argument("--max-wait-ms", type=int, default=2000)
    ap.add_argument("--no-failures", action="store_true",
                    help="random workloads fail and re-add no member")
    ap.add_argument("--no-discards", action="store_true")
    ap.add_argument("--media-errors", action="store_true",
                    help="random workloads also meet media errors (dm-flakey under the members)")
    ap.add_argument("--trace", action="append", default=[])
    ap.add_argument("--work", default=None)
    ap.add_argument("--rk-root", default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--untimed", action="store_true",
                    help="run the simulator on the trace's own schedule, not the guest's op times")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    args.tools = os.path.abspath(args.tools)
    work = args.work or tempfile.mkdtemp(prefix="llb-differential-")
    args.rk_root = os.path.abspath(args.rk_root or os.path.join(work, "rk"))
    seeds = list(args.seed)
    if args.seeds or not (args.seed or args.trace):
        a, b = (int(x) for x in (args.seeds or "0:4").split(":"))
        seeds += range(a, b)
    jobs = [(f"dt-seed{s}", ["--seed", str(s), "--ops", str(args.ops), "--max-wait-ms",
                             str(args.max_wait_ms)] + (["--no-failures"] if args.no_failures else [])
             + (["--no-discards"] if args.no_discards else [])
             + (["--media-errors"] if args.media_errors else [])) for s in seeds]
    for t in args.trace:
        jobs.append(("dt-" + os.path.basename(t).rsplit(".", 1)[0], [os.path.abspath(t)]))
    results = []
    for label, src in jobs:
        r = one_workload(args, label, src, work)
        show(r)
        results.append(r)
    counts = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    allowances = {}
    for r in results:
        for m in r.get("allowed", []):
            allowances[m["allowance"]] = allowances.get(m["allowance"], 0) + 1
    print(f"summary: {len(results)} workloads on the {args.kernel} kernel: " +
          ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for name, n in sorted(allowances.items()):
        print(f"  allowance {name} used {n} times: {EXCEPTIONS[name][2]}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"kernel": args.kernel, "results": results, "counts": counts,
                       "allowances": allowances}, f, indent=1)
    if counts.get("mismatch"):
        sys.exit(1)
    if any(s not in ("agree", "mismatch") for s in counts):
        sys.exit(2)


if __name__ == "__main__":
    main()
