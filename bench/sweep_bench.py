#!/usr/bin/python3
"""Benchmark: the explorer sweep on Dask, against the serial sweep in the same run.

    /usr/bin/python3 bench/sweep_bench.py [SEEDS]   (default 48; after the build; bench/run.sh runs it)

Prints, each as a RESULT line with its ratio to the serial baseline measured in this run:
  - sweep throughput (explorations per second) serial, on a LocalCluster of 1 and of 2 worker
    processes (goal: 2 workers >= 1.8x the 1-worker cluster on 2 cores), and of 4 worker
    processes standing in for nodes (on 2 cores it cannot beat 2);
  - the time to rediscover each known finding from seed 0, serially and on 2 workers (seeds
    submitted in order, stopping at the first seed that shows it): the unplug race (Linux 7.2,
    overlapping writes, a safety violation), the RFC's layout (a safety violation on the RFC
    model), the 4 KiB superblock infection (a failed workload on 4096-byte blocks) and the
    bad-block collision (state bytes destroyed by md's bad-block log: workloads with media errors
    on 512 MiB members, whose bitmap spans more than one page, as llbitmap-sim explore
    --member-size 512M --media-errors; see docs/explore.md).
Each exploration is bounded by a state budget, so every mode does the same work.
"""
import os
import sys
import time

try:
    import llbitmap
except ImportError:
    sys.path.insert(0, os.environ.get("LLB_PYTHON_PATH", os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "..", "build", "python")))
    import llbitmap
from llbitmap.sweeps import explore_seed, local_cluster  # its workers find llbitmap as we did

OPS, MAX_STATES = 40, 100000


def throughput(seeds, workers):
    """Explorations per second, and the result. Dask: on a LocalCluster started (and its workers
    warmed up: llbitmap imported) before the clock starts, as a long-running cluster would be."""
    if workers == 0:
        t0 = time.monotonic()
        r = llbitmap.sweep(seeds, ops=OPS, max_states=MAX_STATES, workers=0)
        return len(r.outcomes) / (time.monotonic() - t0), r
    from distributed import Client
    with local_cluster(workers) as cluster, Client(cluster) as client:
        client.run(lambda: __import__("llbitmap").random_trace(0, ops=1))
        t0 = time.monotonic()
        r = llbitmap.sweep(seeds, ops=OPS, max_states=MAX_STATES, client=client)
        return len(r.outcomes) / (time.monotonic() - t0), r


def explore_media_errors(seed, ops, max_states):
    """One seed's workload with media errors on 2 x 512 MiB members, explored on Linux 7.2 until
    its first violation, as a sweep's (key, outcome) list."""
    import llbitmap  # on a Dask worker, the module is imported there
    r = llbitmap.explore(seed=seed, ops=ops, member_size=512 << 20, media_errors=True,
                         kernel="upstream", max_states=max_states, stop_at_first=True)
    return [((seed, "media errors", "upstream", "torn + lost cache"),
             {"states": r.stats.states, "state_bytes_destroyed": r.stats.state_bytes_destroyed,
              "findings": sorted({v.invariant for v in r.violations})})]


# name -> (exploration of one seed, whether an outcome shows the finding)
FINDINGS = {
    "unplug race": (lambda s: explore_seed(s, OPS, 512, MAX_STATES),
                    lambda k, o: k[1] == "overlapping" and k[2] == "upstream"
                    and o.get("safety_violations")),
    "RFC layout": (lambda s: explore_seed(s, OPS, 512, MAX_STATES),
                   lambda k, o: k[2] == "rfc" and o.get("safety_violations")),
    "4 KiB infection": (lambda s: explore_seed(s, OPS, 4096, MAX_STATES),
                        lambda k, o: k[2] == "upstream" and "failed" in o),
    "bad-block collision": (lambda s: explore_media_errors(s, OPS, MAX_STATES),
                            lambda k, o: "state-bytes-destroyed" in o.get("findings", ())),
}


def rediscover(name, client=None, batch=2, limit=200):
    """Seconds until the first seed from 0 that shows the finding, and that seed."""
    explore_one, shows = FINDINGS[name]
    t0 = time.monotonic()
    seed = 0
    while seed < limit:
        seeds = list(range(seed, seed + batch))
        if client is None:
            results = [explore_one(s) for s in seeds]
        else:
            results = client.gather([client.submit(explore_one, s, pure=False) for s in seeds])
        for s, outcomes in zip(seeds, results):
            if any(shows(k, o) for k, o in outcomes):
                return time.monotonic() - t0, s
        seed += batch
    return time.monotonic() - t0, None


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 48
    seeds = range(1, n + 1)
    cores = os.cpu_count()
    print(f"sweep of {n} seeds x 18 explorations ({OPS} ops, at most {MAX_STATES} states each), "
          f"{cores} cores")
    base, ref = throughput(seeds, 0)
    print(f"RESULT sweep_serial explorations_per_s={base:.2f} ratio=1.00 (baseline)")
    one, r1 = throughput(seeds, 1)
    print(f"RESULT sweep_dask_1_worker explorations_per_s={one:.2f} ratio_to_serial={one / base:.2f}")
    for w in (2, 4):
        rate, r = throughput(seeds, w)
        same = r.to_dict() == ref.to_dict()
        print(f"RESULT sweep_dask_{w}_workers explorations_per_s={rate:.2f} "
              f"ratio_to_serial={rate / base:.2f} ratio_to_1_worker={rate / one:.2f} "
              f"identical_to_serial={same}")
    from distributed import Client
    cluster = local_cluster(2)
    client = Client(cluster)
    client.run(lambda: __import__("llbitmap").random_trace(0, ops=1))
    try:
        for name in FINDINGS:
            ts, s1 = rediscover(name)
            td, s2 = rediscover(name, client)
            print(f"RESULT rediscover name=\"{name}\" seed={s1} serial_s={ts:.2f} "
                  f"dask_2_workers_s={td:.2f} ratio={ts / td:.2f} same_seed={s1 == s2}")
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
