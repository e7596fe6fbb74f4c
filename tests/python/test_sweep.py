"""The Dask sweep: the same outcomes, table and JSON whatever the worker count, and equal to what
llbitmap.explore() gives for the same key (the sweep adds no logic of its own)."""

import json
import os
import subprocess
import unittest

import llbitmap

SOURCE = os.environ.get("LLB_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))


class Sweep(unittest.TestCase):
    SEEDS = range(1, 5)
    ARGS = dict(ops=12, max_states=2000)

    def test_serial_and_two_local_workers_give_the_same_result(self):
        serial = llbitmap.sweep(self.SEEDS, workers=0, **self.ARGS)
        dask = llbitmap.sweep(self.SEEDS, workers=2, **self.ARGS)
        self.assertEqual(json.dumps(serial.to_dict()), json.dumps(dask.to_dict()))
        self.assertEqual(serial.table(), dask.table())
        self.assertEqual(len(serial.outcomes), 4 * 2 * 3 * 3)
        # The RFC's layout loses chunks under every fault model: the sweep must say so.
        rfc = [r for r in serial.rows() if r["kernel"] == "rfc"]
        self.assertTrue(all(r["broken"] > 0 for r in rfc), rfc)

    def test_local_workers_keep_glibcs_dynamic_mmap_threshold(self):
        # Dask sets MALLOC_TRIM_THRESHOLD_ for its workers by default, which made every large
        # buffer of an exploration a fresh mapping: a worker did half the serial sweep's work.
        from distributed import Client
        from llbitmap.sweeps import local_cluster
        with local_cluster(1) as cluster, Client(cluster) as client:
            env = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
        self.assertEqual(list(env.values()), [None])

    def test_an_outcome_is_what_explore_says_for_its_key(self):
        r = llbitmap.sweep([3], workers=0, **self.ARGS)
        trace = llbitmap.random_trace(3, ops=12)
        direct = llbitmap.explore(trace_json=trace, kernel="rfc", seed=3, max_states=2000,
                                  torn=False, cache_loss=True)
        o = r.outcomes[(3, "overlapping", "rfc", "lost cache")]
        self.assertEqual(o["states"], direct.stats.states)
        self.assertEqual(o["safety_violations"], direct.stats.safety_violations)

    def test_the_script_prints_the_same_table_serial_and_distributed(self):
        script = os.path.join(SOURCE, "python", "explore_sweep.py")
        common = ["/usr/bin/python3", script, "3", "--ops", "12", "--max-states", "1500"]
        serial = subprocess.run(common + ["--serial"], capture_output=True, text=True, check=True)
        dask = subprocess.run(common + ["--workers", "2"], capture_output=True, text=True, check=True)
        self.assertEqual(serial.stdout, dask.stdout)
        self.assertIn("3 seeded random workloads of 12 operations", serial.stdout)


if __name__ == "__main__":
    unittest.main()
