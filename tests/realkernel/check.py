#!/usr/bin/python3
"""Checks one real-kernel scenario's outcome with the project's own tools.

Usage: check.py KERNEL SCENARIO RUN_DIR OUT_DIR TOOLS_DIR FIXTURES_DIR
  KERNEL      stock or patched
  RUN_DIR     the member images of the run (vda.img, vdb.img, ...)
  OUT_DIR     the harness's artefacts of the run (vm.log, ...)
  TOOLS_DIR   where llbitmap-examine and llbitmap-resync are
  FIXTURES_DIR  fixtures/realkernel: the stock kernel's shipped oracles

The bitmap's promise is the invariant every check comes back to: after a crash, every chunk
whose mirrors differ must be one the kernel resyncs at assembly (examine's plan). On the stock
kernel the unplug race breaks it (r1, r2) and 4 KiB logical blocks break the bitmap superblock
(lbs4k); on the patched kernel neither happens and the other scenarios' state bytes are those the
stock kernel wrote. Exit status 0 when the expectations hold, 1 otherwise.
"""
import glob
import json
import lzma
import os
import subprocess
import sys
import tempfile


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def note(msg):
    print("  " + msg)


class Tools:
    def __init__(self, tools_dir):
        self.examine_bin = os.path.join(tools_dir, "llbitmap-examine")
        self.resync_bin = os.path.join(tools_dir, "llbitmap-resync")
        self.sim_bin = os.path.join(tools_dir, "llbitmap-sim")

    def simulate(self, trace, kernel, export_dir):
        """Runs a trace on the simulator's model of `kernel`; returns the exported images."""
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(trace, f)
            path = f.name
        try:
            p = subprocess.run([self.sim_bin, "run", path, "--kernel", kernel, "--export",
                                export_dir, "-q"], capture_output=True, text=True)
        finally:
            os.unlink(path)
        if p.returncode != 0:
            fail(f"llbitmap-sim run --kernel {kernel} exit {p.returncode}: {p.stderr.strip()}")
        return sorted(glob.glob(os.path.join(export_dir, "vd?.img")))

    def examine(self, images):
        p = subprocess.run([self.examine_bin, "--json"] + images, capture_output=True, text=True)
        if p.returncode & ~0x7 and p.returncode != 4:
            fail(f"llbitmap-examine exit {p.returncode}: {p.stderr.strip()}")
        return json.loads(p.stdout)

    def verify(self, images, refusal_ok=False):
        """Chunks (in the tool's compare units) where the mirrors differ. With refusal_ok, exit 2
        (a member is not an in-sync mirror, so there is nothing to compare) gives (None, None)."""
        p = subprocess.run([self.resync_bin, "--verify", "--progress", "json"] + images,
                           capture_output=True, text=True)
        if refusal_ok and p.returncode == 2:
            return None, None
        if p.returncode not in (0, 1):
            fail(f"llbitmap-resync --verify exit {p.returncode}: {p.stderr.strip()}")
        last = json.loads(p.stdout.strip().splitlines()[-1])
        v = last["verify"]
        chunks = set()
        for first, last_chunk in v["runs"]:
            chunks.update(range(first, last_chunk + 1))
        return chunks, v["unit_sectors"]


def runs_to_set(runs):
    out = set()
    for r in runs:
        out.update(range(r["first"], r["last"] + 1))
    return out


def planned(ex):
    arr = ex["arrays"][0]
    return runs_to_set(arr["assembly"].get("sync_runs", []))


def findings(ex):
    return [(f["code"], dev["path"]) for dev in ex["devices"] for f in dev.get("findings", [])]


def state_runs(dev):
    lb = dev.get("llbitmap") or {}
    return [(r["first"], r["last"], r["value"]) for r in lb.get("runs", [])]


def state_of(dev, chunk):
    for first, last, value in state_runs(dev):
        if first <= chunk <= last:
            return value
    return None


def fmt(chunks):
    s = sorted(chunks)
    if not s:
        return "none"
    out, start, prev = [], s[0], s[0]
    for c in s[1:]:
        if c != prev + 1:
            out.append(f"{start}-{prev}" if start != prev else f"{start}")
            start = c
        prev = c
    out.append(f"{start}-{prev}" if start != prev else f"{start}")
    return ",".join(out)


def images_of(run_dir):
    imgs = sorted(glob.glob(os.path.join(run_dir, "vd?.img")))
    if not imgs:
        fail(f"no member images in {run_dir}")
    return imgs


def promise(tools, imgs):
    ex = tools.examine(imgs)
    differ, unit = tools.verify(imgs)
    plan = planned(ex)
    return ex, differ, plan


# --- the scenarios -----------------------------------------------------------------------

def check_unplug_race(kernel, tools, imgs, out_dir):
    ex, differ, plan = promise(tools, imgs)
    forgotten = differ - plan
    note(f"mirrors differ in chunks {fmt(differ)}; examine plans to resync {fmt(plan)}")
    if kernel == "stock":
        # The race: B's data (chunks 32..63) reached vda only, and no bitmap remembers it.
        if forgotten != set(range(32, 64)):
            fail(f"stock: expected the race to leave chunks 32-63 differing and unplanned, "
                 f"found differing-and-unplanned {fmt(forgotten)}")
        for dev in ex["devices"]:
            states = {state_of(dev, c) for c in range(32, 64)}
            if states != {0}:
                fail(f"stock: {dev['path']}: chunks 32-63 should be Unwritten (0) on disk, are {states}")
        note("stock 7.2.13: the race loses track of B's write (reproduced)")
    else:
        if forgotten:
            fail(f"patched: chunks {fmt(forgotten)} differ between the mirrors and no bitmap "
                 f"flags them: the promise is broken")
        note("patched: every differing chunk is flagged (the race is closed)")


def check_control(kernel, tools, imgs, out_dir):
    ex, differ, plan = promise(tools, imgs)
    note(f"mirrors differ in chunks {fmt(differ)}; examine plans to resync {fmt(plan)}")
    if differ - plan:
        fail(f"{kernel}: one writer alone must keep the promise; unflagged: {fmt(differ - plan)}")


def check_partial_discard(kernel, tools, imgs, out_dir):
    """x7: a discard ending inside chunk 63 marks it Unwritten, and the re-added member's
    recovery skips it (docs/findings/partial-discard.md)."""
    ex, differ, plan = promise(tools, imgs)
    note(f"mirrors differ in chunks {fmt(differ)}; examine plans to resync {fmt(plan)}")
    states = {state_of(dev, 63) for dev in ex["devices"]}
    if kernel == "stock":
        if differ != {63} or plan or states != {0}:
            fail(f"stock: expected chunk 63 alone to differ, Unwritten (0) on every member and "
                 f"unplanned; found differ {fmt(differ)}, plan {fmt(plan)}, states {states}")
        note("stock 7.2.13: the recovery skipped the write a partial discard marked Unwritten "
             "(reproduced)")
    else:
        if differ:
            fail(f"{kernel}: the recovery must copy chunk 63's write; mirrors differ in {fmt(differ)}")
        if states & {0}:
            fail(f"{kernel}: chunk 63 holds data and must not be Unwritten: states {states}")
        note(f"{kernel}: the discard left chunk 63 alone and the recovery copied it (fixed)")


def check_legacy(kernel, tools, imgs, out_dir):
    ex = tools.examine(imgs)
    differ, unit = tools.verify(imgs)
    dirty = [dev["classic_bitmap"]["dirty"] for dev in ex["devices"] if dev.get("classic_bitmap")]
    if len(dirty) != len(imgs):
        fail(f"{kernel}: expected a classic bitmap on every member, found {len(dirty)}")
    note(f"mirrors differ in {unit}-sector units {fmt(differ)}; dirty bits per member {dirty}")
    if kernel == "stock":
        if differ != set(range(32, 64)) or any(dirty):
            fail("stock: expected the classic bitmap's race: mirrors differ in 32-63 with every bit clear")
        note("stock 7.2.13: md-bitmap.c has the same hole (reproduced)")
    else:
        if differ and not any(dirty):
            fail("patched: mirrors differ but no member has a dirty bit")
        note("patched: the classic bitmap keeps the promise")


def check_lbs4k(kernel, tools, imgs, out_dir):
    ex = tools.examine(imgs)
    codes = findings(ex)
    infected = [p for c, p in codes if c == "bitmap-superblock-infected"]
    vm_log = open(os.path.join(out_dir, "vm.log"), errors="replace").read()
    if kernel == "stock":
        if len(infected) != len(imgs):
            fail(f"stock: expected examine to name the infected superblock on every member, got {codes}")
        for dev in ex["devices"]:
            if dev["bitmap_superblock"]["version"] != 0x02020206:
                fail(f"stock: {dev['path']}: bitmap version {dev['bitmap_superblock']['version']:#x}")
        note("stock 7.2.13: the bitmap superblock is infected (version 0x02020206) and refused")
    else:
        if infected:
            fail(f"patched: the superblock is still infected on {infected}")
        for dev in ex["devices"]:
            if dev["bitmap_superblock"]["version"] != 6:
                fail(f"patched: {dev['path']}: bitmap version {dev['bitmap_superblock']['version']}")
            # Two writes in chunks 0 and 20: the 512-byte unit around them is infected (chunks
            # 0..511), not the whole 4 KiB block (0..3071); the final stop flushed them Clean.
            runs = state_runs(dev)
            if (0, 511, 1) not in runs:
                fail(f"patched: {dev['path']}: expected chunks 0-511 Clean, runs {runs}")
            if any(v not in (0, 1) for _, _, v in runs):
                fail(f"patched: {dev['path']}: unexpected states {runs}")
        bad = [f["code"] for dev in ex["devices"] for f in dev["findings"] if f["severity"] == "error"]
        if bad:
            fail(f"patched: examine reports errors {bad}")
        if "failed to create bitmap" in vm_log or "33686022" in vm_log:
            fail("patched: the kernel still refused the bitmap at assembly (vm.log)")
        note("patched: superblock intact, array assembled after stop, 512 chunks infected not 3072")


def check_fidelity_x2(kernel, tools, imgs, out_dir):
    """x2-lbs4k-infect on 4 KiB logical blocks: the simulator's model of the same kernel (stock:
    upstream, patched: upstream-patched) leaves the state bytes and bitmap version the real one
    left, and the patch is what separates a refused superblock from an assembled array."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "fixtures", "traces", "x2-lbs4k-infect.json")) as f:
        trace = json.load(f)
    model = "upstream" if kernel == "stock" else "upstream-patched"
    if kernel == "patched":
        # The scenario assembles and stops again; on the patched kernel that works.
        trace["ops"] += [{"op": "assemble"}, {"op": "stop"}]
    with tempfile.TemporaryDirectory() as tmp:
        sim_imgs = tools.simulate(trace, model, tmp)
        real = tools.examine(imgs)
        ours = tools.examine(sim_imgs)
    for dr, do in zip(real["devices"], ours["devices"]):
        name = os.path.basename(dr["path"])
        vr, vo = dr["bitmap_superblock"]["version"], do["bitmap_superblock"]["version"]
        if vr != vo:
            fail(f"{kernel}: {name}: bitmap version {vr:#x} on the real kernel, {vo:#x} in the model")
        if state_runs(dr) != state_runs(do):
            fail(f"{kernel}: {name}: state bytes {state_runs(dr)} on the real kernel, "
                 f"{state_runs(do)} in the model")
    expected = 0x02020206 if kernel == "stock" else 6
    if real["devices"][0]["bitmap_superblock"]["version"] != expected:
        fail(f"{kernel}: bitmap version {real['devices'][0]['bitmap_superblock']['version']:#x}, "
             f"expected {expected:#x}")
    note(f"{kernel}: the {model} model leaves the real kernel's state bytes and bitmap version "
         f"({expected:#x}) on 4 KiB logical blocks")


def check_bb_overlap(kernel, tools, imgs, out_dir):
    """mdadm 4.6's layout: the bad-block log at sb + 16 sectors, inside the state bytes. After one
    recorded bad block and the llbitmap's own writes, vda's log holds entries the kernel refuses."""
    ex = tools.examine(imgs)
    codes = findings(ex)
    if kernel == "mdadm-patched":
        # mdadm with tests/realkernel/patches/mdadm: the log after the bitmap's reserved area,
        # so the outcome must be that of members whose log lies there.
        return check_bb_on_create(kernel, tools, imgs, out_dir)
    if ("md-bblog-entry-refused", imgs[0]) not in codes:
        fail(f"{kernel}: expected examine to find vda's bad-block log refused, got {codes}")
    if ("states-over-bblog", imgs[0]) not in codes:
        fail(f"{kernel}: expected examine to find state bytes over vda's bad-block log, got {codes}")
    if not all(("bblog-overlap", p) in codes for p in imgs[1:]):
        fail(f"{kernel}: expected bblog-overlap (not hit yet) on the other members, got {codes}")
    vda = ex["devices"][0]["bblog_overlap"]
    if vda is None or vda["state"] != "states-over-log" or not vda["kernel_refuses_member"]:
        fail(f"{kernel}: vda's bblog_overlap: {vda}")
    note(f"{kernel}: mdadm's layout: state bytes written over the log, the kernel refuses vda")


def check_bb_mdadm_create(kernel, tools, imgs, out_dir):
    """mdadm 4.6's fresh members: the log inside the state area, nothing recorded yet."""
    ex = tools.examine(imgs)
    for dev in ex["devices"]:
        if dev["md_superblock"]["bblog_offset_sectors"] != 16:
            fail(f"{kernel}: {dev['path']}: mdadm's log at {dev['md_superblock']['bblog_offset_sectors']}")
    if not all(("bblog-overlap", p) in findings(ex) for p in imgs):
        fail(f"{kernel}: expected bblog-overlap on every member of mdadm's layout")
    note(f"{kernel}: mdadm 4.6 put the log at 16 sectors, inside the state area (examine warns)")


def check_bb_on_create(kernel, tools, imgs, out_dir):
    """bb-overlap's steps on members whose log lies after the bitmap area: made by
    llbitmap-create, mdadm's moved there by llbitmap-repair, or made by the patched mdadm."""
    ex = tools.examine(imgs)
    bad = [(f["code"], dev["path"]) for dev in ex["devices"] for f in dev["findings"]
           if f["severity"] in ("error", "warning")]
    if bad:
        fail(f"{kernel}: examine reports {bad}")
    vda = ex["devices"][0]
    if "bad-blocks" not in vda["md_superblock"]["features"]:
        fail(f"{kernel}: vda should have its recorded bad block (features {vda['md_superblock']['features']})")
    for dev in ex["devices"]:
        if dev["md_superblock"]["bblog_offset_sectors"] != 8 + 256:
            fail(f"{kernel}: {dev['path']}: bad-block log at {dev['md_superblock']['bblog_offset_sectors']}")
        for c in (10, 3072, 3073, 3074, 3075, 3100, 4000):
            if state_of(dev, c) not in (1, 2):
                fail(f"{kernel}: {dev['path']}: chunk {c} state {state_of(dev, c)}, expected written")
    vm_log = open(os.path.join(out_dir, "vm.log"), errors="replace").read()
    # Both scripts print this only when vda was imported at the reassembly.
    if "bad_blocks vda after reassembly" not in vm_log:
        fail(f"{kernel}: the array did not assemble with vda after the stop")
    note(f"{kernel}: the log after the bitmap: state bytes and the bad block kept, array assembles")


def check_bb_hit_repaired(kernel, tools, imgs, out_dir):
    """bb-overlap's refused vda, repaired on the host: it assembles, twice, and keeps its states."""
    vm_log = open(os.path.join(out_dir, "vm.log"), errors="replace").read()
    if "not importing" in vm_log:
        fail(f"{kernel}: the kernel still refused a member after llbitmap-repair")
    if "bad_blocks vda after reassembly" not in vm_log or "vda imported again" not in vm_log:
        fail(f"{kernel}: the repaired array did not assemble with vda (twice)")
    ex = tools.examine(imgs)
    bad = [(f["code"], dev["path"]) for dev in ex["devices"] for f in dev["findings"]
           if f["severity"] in ("error", "warning")]
    if bad:
        fail(f"{kernel}: examine reports {bad}")
    for dev in ex["devices"]:
        if dev["md_superblock"]["bblog_offset_sectors"] != 8 + 256 or dev["bblog_overlap"] is not None:
            fail(f"{kernel}: {dev['path']}: log at {dev['md_superblock']['bblog_offset_sectors']}")
        for c in (10, 3100, 4000):
            if state_of(dev, c) not in (1, 2):
                fail(f"{kernel}: {dev['path']}: chunk {c} state {state_of(dev, c)}, expected written")
    note(f"{kernel}: the refused member, repaired: assembles, log after the bitmap, states kept")


def unpack_fixture(fixtures_dir, name, tmp):
    imgs = []
    for xz in sorted(glob.glob(os.path.join(fixtures_dir, name, "after-vd?.img.xz"))):
        dst = os.path.join(tmp, os.path.basename(xz)[len("after-"):-3])
        with lzma.open(xz) as src, open(dst, "wb") as out:
            while True:
                b = src.read(1 << 20)
                if not b:
                    break
                out.write(b)
        imgs.append(dst)
    return imgs


def check_unchanged(kernel, tools, imgs, out_dir, name, fixtures_dir):
    """The patched kernel writes the state bytes the stock kernel wrote (shipped oracles)."""
    with tempfile.TemporaryDirectory() as tmp:
        ref = unpack_fixture(fixtures_dir, name, tmp)
        if not ref:
            fail(f"no stock oracle for {name} in {fixtures_dir}")
        a = tools.examine(imgs)
        b = tools.examine(ref)
    for da, db in zip(a["devices"], b["devices"]):
        ra, rb = state_runs(da), state_runs(db)
        if ra != rb:
            fail(f"{kernel}: {name} {os.path.basename(da['path'])}: state bytes {ra} differ from "
                 f"the stock kernel's {rb}")
    note(f"{kernel}: {name}: state bytes equal to the stock kernel's on every member")


CHECKS = {
    "r1-unplug-early-return": check_unplug_race,
    "r1c-control-no-A": check_control,
    "r2-legacy-bitmap": check_legacy,
    "lbs4k-superblock": check_lbs4k,
    "x2-lbs4k-infect": check_fidelity_x2,
    "bb-overlap": check_bb_overlap,
    "bb-on-llbitmap-create": check_bb_on_create,
    "bb-mdadm-create": check_bb_mdadm_create,
    "bb-after-repair": check_bb_on_create,
    "bb-hit-repaired": check_bb_hit_repaired,
    "x7-partial-discard-degraded": check_partial_discard,
}


def main():
    if len(sys.argv) != 7:
        print(__doc__)
        sys.exit(8)
    kernel, name, run_dir, out_dir, tools_dir, fixtures_dir = sys.argv[1:]
    tools = Tools(tools_dir)
    imgs = images_of(run_dir)
    print(f"{name} on the {kernel} kernel:")
    if name in CHECKS:
        CHECKS[name](kernel, tools, imgs, out_dir)
    else:
        check_unchanged(kernel, tools, imgs, out_dir, name, fixtures_dir)
    print("ok")


if __name__ == "__main__":
    main()
