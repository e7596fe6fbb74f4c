"""Sweeps of the crash explorer: many seeded random workloads, each explored on every kernel model
under every fault model, as generated (some writes overlap) and serialised (one user write in
flight at a time), serially or on a Dask cluster.

    r = llbitmap.sweep(range(1, 101))                   # a LocalCluster, one worker per core
    r = llbitmap.sweep(range(1, 101), workers=0)        # serial, in this process
    r = llbitmap.sweep(range(1, 101), scheduler="tcp://host:8786")   # a real cluster
    print(r.table())

One Dask task per (seed, variant, kernel) (its three fault models); results are keyed by (seed, variant, kernel, fault model)
and merged in key order, so the result and its table are identical whatever the worker count.
Explorations are bounded by a state budget (max_states), never by wall time, so that a slow
worker cannot change a result. Wall-clock time is kept apart, in ``seconds``.
"""

import collections
import json
import os
import time
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

FAULT_MODELS = {
    "ordered": dict(torn=False, cache_loss=False),
    "lost cache": dict(torn=False, cache_loss=True),
    "torn + lost cache": dict(torn=True, cache_loss=True),
}
KERNELS = ("upstream", "upstream-patched", "rfc")
VARIANTS = ("overlapping", "one at a time")

Key = Tuple[int, str, str, str]  # (seed, variant, kernel, fault model)


def serialised(trace: dict) -> dict:
    """The same operations with every write waited for before the next one."""
    t = json.loads(json.dumps(trace))
    for op in t["ops"]:
        op.pop("async", None)
    return t


def explore_part(seed: int, variant: str, kernel: str, ops: int = 40,
                 logical_block_size: int = 512, max_states: int = 0) -> List[Tuple[Key, dict]]:
    """The explorations of one seed's workload in one variant on one kernel, under each fault
    model, as (key, outcome) pairs in key order. An outcome holds the exploration's counts, or
    {"failed": message} when the workload itself failed. One Dask task each: small enough that two
    workers stay busy to the end, large enough that scheduling costs little."""
    import llbitmap  # on a Dask worker, the module is imported there
    trace = json.loads(llbitmap.random_trace(seed, ops=ops, logical_block_size=logical_block_size))
    if variant == "one at a time":
        trace = serialised(trace)
    text = json.dumps(trace)
    out = []
    for model, faults in FAULT_MODELS.items():
        key = (seed, variant, kernel, model)
        try:
            r = llbitmap.explore(trace_json=text, kernel=kernel, seed=seed,
                                 max_states=max_states, **faults)
        except llbitmap.WorkloadError as e:
            out.append((key, {"failed": str(e)}))
            continue
        s = r.stats
        out.append((key, {"states": s.states, "safety_violations": s.safety_violations,
                          "refused_states": s.refused_states,
                          "unnecessary_chunks": s.unnecessary_chunks,
                          "findings": sorted({v.invariant for v in r.violations})}))
    return out


def explore_seed(seed: int, ops: int = 40, logical_block_size: int = 512,
                 max_states: int = 0) -> List[Tuple[Key, dict]]:
    """All 18 explorations of one seed (both variants, every kernel and fault model)."""
    return [kv for variant in VARIANTS for kernel in KERNELS
            for kv in explore_part(seed, variant, kernel, ops, logical_block_size, max_states)]


@dataclass
class SweepResult:
    """Outcomes keyed by (seed, variant, kernel, fault model), in key order."""
    ops: int
    logical_block_size: int
    max_states: int
    outcomes: Dict[Key, dict] = field(default_factory=dict)
    seconds: float = 0.0  # wall time; not part of the result's identity

    def rows(self) -> List[dict]:
        """One row per (variant, kernel, fault model): workloads broken, states, refused, unneeded
        chunks, failed, the first broken seed and the findings seen."""
        agg = collections.OrderedDict()
        for variant in VARIANTS:
            for kernel in KERNELS:
                for model in FAULT_MODELS:
                    agg[(variant, kernel, model)] = dict(
                        variant=variant, kernel=kernel, fault_model=model, broken=0, states=0,
                        refused=0, unneeded_chunks=0, failed=0, first_broken=None, findings=set())
        for (seed, variant, kernel, model), o in sorted(self.outcomes.items()):
            row = agg[(variant, kernel, model)]
            if "failed" in o:
                row["failed"] += 1
                continue
            row["states"] += o["states"]
            row["refused"] += o["refused_states"]
            row["unneeded_chunks"] += o["unnecessary_chunks"]
            row["findings"].update(o["findings"])
            if o["safety_violations"]:
                row["broken"] += 1
                if row["first_broken"] is None:
                    row["first_broken"] = seed
        for row in agg.values():
            row["findings"] = sorted(row["findings"])
        return list(agg.values())

    def table(self) -> str:
        """The table python/explore_sweep.py prints (docs/explore.md quotes it)."""
        seeds = sorted({k[0] for k in self.outcomes})
        lines = [f"{len(seeds)} seeded random workloads of {self.ops} operations (2 x 128 MiB "
                 f"members, {self.logical_block_size}-byte logical blocks)"
                 + (f", at most {self.max_states} states each" if self.max_states else ""),
                 f'{"writes":14} {"kernel":17} {"fault model":18} {"broken":>7} {"states":>11} '
                 f'{"refused":>8} {"unneeded chunks":>16} {"failed":>7}  first broken']
        for r in self.rows():
            first = "-" if r["first_broken"] is None else r["first_broken"]
            lines.append(f'{r["variant"]:14} {r["kernel"]:17} {r["fault_model"]:18} '
                         f'{r["broken"]:>7} {r["states"]:>11} {r["refused"]:>8} '
                         f'{r["unneeded_chunks"]:>16} {r["failed"]:>7}  {first}')
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict:
        return {"ops": self.ops, "logical_block_size": self.logical_block_size,
                "max_states": self.max_states,
                "outcomes": [{"seed": k[0], "variant": k[1], "kernel": k[2], "fault_model": k[3], **o}
                             for k, o in sorted(self.outcomes.items())]}


def local_cluster(n_workers: Optional[int] = None):
    """A LocalCluster of single-threaded worker processes that import llbitmap from wherever this
    process found it, started without the MALLOC_TRIM_THRESHOLD_ Dask sets for its workers by
    default: with that variable glibc gives up its dynamic mmap threshold, every large buffer of
    an exploration is mapped, zeroed and unmapped anew, and a worker did half the work of the
    serial sweep (measured with bench/sweep_bench.py). Workers of a cluster started elsewhere
    should be started without it too (distributed.nanny.pre-spawn-environ)."""
    import dask
    from distributed import LocalCluster
    import llbitmap
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(llbitmap.__file__)))
    paths = [pkg_parent] + [p for p in os.environ.get("PYTHONPATH", "").split(":") if p]
    os.environ["PYTHONPATH"] = ":".join(dict.fromkeys(paths))
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        return LocalCluster(n_workers=n_workers or os.cpu_count() or 1, threads_per_worker=1,
                            processes=True, dashboard_address=None)


def sweep(seeds: Iterable[int], *, ops: int = 40, logical_block_size: int = 512,
          max_states: int = 0, workers: Optional[int] = None, scheduler: Optional[str] = None,
          client=None, progress: bool = False) -> SweepResult:
    """Explore every seed (see the module's docstring). workers=0: serially in this process;
    workers=N: a LocalCluster of N single-threaded worker processes (default: one per core);
    scheduler="tcp://...": that cluster's scheduler (workers is then ignored); client: a
    distributed.Client already connected (kept open, for repeated sweeps). progress shows Dask's
    progress bar (tqdm's when serial)."""
    seeds = list(seeds)
    result = SweepResult(ops, logical_block_size, max_states)
    started = time.monotonic()
    if workers == 0 and scheduler is None and client is None:
        it = seeds
        if progress:
            from tqdm import tqdm
            it = tqdm(seeds, unit="seed")
        for seed in it:
            result.outcomes.update(explore_seed(seed, ops, logical_block_size, max_states))
    else:
        from distributed import Client, as_completed
        cluster = None
        own_client = client is None
        if scheduler is None and client is None:
            cluster = local_cluster(workers)
        if own_client:
            client = Client(scheduler or cluster)
        try:
            futures = [client.submit(explore_part, s, variant, kernel, ops, logical_block_size,
                                     max_states, pure=False)
                       for s in seeds for variant in VARIANTS for kernel in KERNELS]
            if progress:
                from distributed import progress as dask_progress
                dask_progress(futures)
            for future in as_completed(futures):
                result.outcomes.update(future.result())
        finally:
            if own_client:
                client.close()
            if cluster is not None:
                cluster.close()
        result.outcomes = dict(sorted(result.outcomes.items()))
    result.seconds = time.monotonic() - started
    return result
