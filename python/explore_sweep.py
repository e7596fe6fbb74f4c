#!/usr/bin/python3
"""Explores many seeded random workloads on the three kernel models under each fault model, as
they are generated (some writes overlap) and serialised (one user write in flight at a time), and
prints how many break the bitmap's promise (broken: workloads with a crash state whose mirrors
differ in a chunk assembly does not resync; refused: crash states whose assembly refuses the
bitmap; unneeded chunks: chunks resynced although their mirrors are equal, summed over states;
failed: workloads whose own run failed, such as an assembly refusing the bitmap; first broken: the
first broken seed). docs/explore.md quotes its output.

    /usr/bin/python3 python/explore_sweep.py [WORKLOADS] [LOGICAL_BLOCK_SIZE]
        [--workers N | --scheduler tcp://HOST:8786 | --serial] [--max-states N] [--ops N]
        [--first-seed S] [--progress] [--json]

Default: 100 workloads of 40 operations on 512-byte logical blocks, on a Dask LocalCluster with
one worker process per core. The table (or --json) is the same for any number of workers and for
--serial: each exploration is bounded by --max-states (a state budget), never by wall time. The
wall time goes to standard error.

With 4096-byte logical blocks, "refused" shows Linux 7.2's 4 KiB superblock infection (assembly
refuses the bitmap) and "unneeded chunks" the resync work of the infection unit.
"""
import argparse
import json
import os
import sys

# The built module (build/python/llbitmap) unless llbitmap is importable already (installed).
try:
    import llbitmap  # noqa: F401
except ImportError:
    sys.path.insert(0, os.environ.get("LLB_PYTHON_PATH", os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "..", "build", "python")))
    import llbitmap  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workloads", nargs="?", type=int, default=100)
    p.add_argument("logical_block_size", nargs="?", type=int, default=512, choices=(512, 4096))
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="LocalCluster worker processes (default: cores)")
    where.add_argument("--scheduler", help="a Dask scheduler's address, for a real cluster")
    where.add_argument("--serial", action="store_true", help="no Dask: one seed after another")
    p.add_argument("--max-states", type=int, default=0, help="state budget per exploration (0: none)")
    p.add_argument("--ops", type=int, default=40, help="operations per workload")
    p.add_argument("--first-seed", type=int, default=1)
    p.add_argument("--progress", action="store_true", help="a progress bar on standard error")
    p.add_argument("--json", action="store_true", help="every outcome as JSON instead of the table")
    a = p.parse_args()
    if a.workloads < 1 or (a.workers is not None and a.workers < 1):
        p.error("workloads and --workers must be at least 1")
    r = llbitmap.sweep(range(a.first_seed, a.first_seed + a.workloads), ops=a.ops,
                       logical_block_size=a.logical_block_size, max_states=a.max_states,
                       workers=0 if a.serial else a.workers, scheduler=a.scheduler,
                       progress=a.progress)
    print(json.dumps(r.to_dict(), indent=1) if a.json else r.table(), end="" if not a.json else "\n")
    print(f"{r.seconds:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
