#!/usr/bin/python3
"""Explores many seeded random workloads on both kernel models under each fault model, as they
are generated (some writes overlap) and serialised (one user write in flight at a time), and
prints how many break the bitmap's promise (broken: workloads with a crash state whose mirrors
differ in a chunk assembly does not resync; refused: crash states whose assembly refuses the
bitmap; unneeded chunks: chunks resynced although their mirrors are equal, summed over states;
failed: workloads whose own run failed, such as an assembly refusing the bitmap; first broken: the
first broken seed). docs/explore.md quotes its output.

    /usr/bin/python3 python/explore_sweep.py [WORKLOADS] [LOGICAL_BLOCK_SIZE]
        (default 100 workloads on 512-byte logical blocks; after the build)

With 4096-byte logical blocks, "refused" shows Linux 7.2's 4 KiB superblock infection (assembly
refuses the bitmap) and "unneeded chunks" the resync work of the infection unit (chunks resynced
although their mirrors are equal, summed over states).
"""
import collections
import json
import os
import sys
import time

# The built module (build/python/llbitmap), not the source package beside this script.
sys.path.insert(0, os.environ.get("LLB_PYTHON_PATH", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", "build", "python")))
import llbitmap  # noqa: E402

FAULT_MODELS = {
    "ordered": dict(torn=False, cache_loss=False),
    "lost cache": dict(torn=False, cache_loss=True),
    "torn + lost cache": dict(torn=True, cache_loss=True),
}


def serialised(trace):
    """The same operations with every write waited for before the next one."""
    t = json.loads(json.dumps(trace))
    for op in t["ops"]:
        op.pop("async", None)
    return t


def main():
    workloads = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    lbs = int(sys.argv[2]) if len(sys.argv) > 2 else 512
    unneeded = collections.Counter()
    failed = collections.Counter()
    broken = collections.Counter()
    refused = collections.Counter()
    states = collections.Counter()
    first = {}
    started = time.monotonic()
    for seed in range(1, workloads + 1):
        generated = json.loads(llbitmap.random_trace(seed, logical_block_size=lbs))
        for variant, trace in (("overlapping", generated), ("one at a time", serialised(generated))):
            text = json.dumps(trace)
            for kernel in ("upstream", "upstream-patched", "rfc"):
                for model, faults in FAULT_MODELS.items():
                    key = (variant, kernel, model)
                    try:
                        s = llbitmap.explore(trace_json=text, kernel=kernel, seed=seed,
                                             **faults)["stats"]
                    except ValueError as e:
                        # The workload itself failed: on 4 KiB blocks, Linux 7.2 infects the
                        # bitmap superblock and the workload's own assembly is refused.
                        if "failed to create bitmap" not in str(e):
                            raise
                        failed[key] += 1
                        continue
                    states[key] += s["states"]
                    refused[key] += s["refused_states"]
                    unneeded[key] += s["unnecessary_chunks"]
                    if s["safety_violations"]:
                        broken[key] += 1
                        first.setdefault(key, seed)
    print(f"{workloads} seeded random workloads of 40 operations (2 x 128 MiB members, "
          f"{lbs}-byte logical blocks), "
          f"{time.monotonic() - started:.0f} s")
    print(f'{"writes":14} {"kernel":17} {"fault model":18} {"broken":>7} {"states":>11} '
          f'{"refused":>8} {"unneeded chunks":>16} {"failed":>7}  first broken')
    for variant in ("overlapping", "one at a time"):
        for kernel in ("upstream", "upstream-patched", "rfc"):
            for model in FAULT_MODELS:
                key = (variant, kernel, model)
                print(f"{variant:14} {kernel:17} {model:18} {broken[key]:>7} {states[key]:>11} "
                      f"{refused[key]:>8} {unneeded[key]:>16} {failed[key]:>7}  "
                      f"{first.get(key, '-')}")


if __name__ == "__main__":
    main()
