"""llbitmap-tools from Python: examine md RAID1 members with a lockless write-intent bitmap,
simulate both kernel versions of the llbitmap, and explore what a crash can leave on disk.

Every function returns what the matching command prints with --json, as dicts and lists:

    examine(paths, layout="auto")        llbitmap-examine --json
    examine_text(paths, layout="auto")   llbitmap-examine
    run(trace=None, *, trace_json=None, seed=None, kernel=None, export_dir=None)
                                         llbitmap-sim run --json
    explore(trace=None, *, seed=None, kernel=None, ops=40, ...)
                                         llbitmap-sim explore --json
    random_trace(seed, ops=40, members=2, member_size=128 MiB)
                                         the seeded workload generator's trace (JSON text)

Bad input (a missing device, a malformed trace, an unknown kernel name) raises ValueError
with the tools' message, which names the device or field, the value and what was expected.
"""

from ._llbitmap import examine, examine_text, explore, random_trace, run


def state_runs(member):
    """The runs of one member of an examine() or run() result as (first, last, state) tuples."""
    runs = member.get("runs")
    if runs is None:
        runs = member["llbitmap"]["runs"]
    return [(r["first"], r["last"], r["state"]) for r in runs]


__all__ = ["examine", "examine_text", "run", "explore", "random_trace", "state_runs"]
