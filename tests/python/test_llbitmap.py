"""The Python module on real bytes: the real kernel's member images (checked against the
host-side decoder that ran beside the kernel, not against our own code), the simulator's exported
images of the same scenario, determinism, the crash explorer, and errors.

Run by ctest (label python) with PYTHONPATH at build/python, LLB_SOURCE_DIR and
LLB_FIXTURE_IMAGES_DIR set; by hand: PYTHONPATH=build/python /usr/bin/python3 -m unittest
discover -s tests/python.
"""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import llbitmap

SOURCE = os.environ.get("LLB_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
IMAGES = os.environ.get("LLB_FIXTURE_IMAGES_DIR", os.path.join(SOURCE, "build", "fixtures"))


def decoder_label(name):
    """The decoder's NeedSync as examine's "need sync"."""
    return re.sub(r"(?<!^)([A-Z])", r" \1", name).lower()


def host_decoded_runs(scenario_dir):
    """{image name: [(first, last, state)]} from the decoder the real-kernel harness ran."""
    runs, name = {}, None
    with open(os.path.join(scenario_dir, "host-decode.txt")) as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("file "):
            name = line.split()[1]
        elif line.startswith("state bytes") and name:
            found = re.findall(r"(\d+)-(\d+):\d+\((\w+)\)", lines[i + 1])
            runs[name] = [(int(a), int(b), decoder_label(s)) for a, b, s in found]
    return runs


class ExamineRealKernelImages(unittest.TestCase):
    def test_runs_equal_the_host_decoder_for_every_scenario(self):
        scenarios = sorted(glob.glob(os.path.join(SOURCE, "fixtures", "realkernel", "*", "host-decode.txt")))
        self.assertGreaterEqual(len(scenarios), 8)
        checked = 0
        for decode in scenarios:
            scenario_dir = os.path.dirname(decode)
            scenario = os.path.basename(scenario_dir)
            for image, expected in host_decoded_runs(scenario_dir).items():
                path = os.path.join(IMAGES, "realkernel", scenario, "after-" + image)
                with self.subTest(scenario=scenario, image=image):
                    result = llbitmap.examine([path])
                    self.assertIsNone(result["devices"][0]["error"])
                    self.assertEqual(llbitmap.state_runs(result["devices"][0]), expected)
                    checked += 1
        self.assertGreaterEqual(checked, 16)

    def test_text_is_what_the_examine_tool_prints(self):
        path = os.path.join(IMAGES, "realkernel", "b-crash-dirty", "after-vda.img")
        text = llbitmap.examine_text([path])
        self.assertIn("Events : 3", text)
        self.assertIn("0-511", text)

    def test_a_missing_device_raises_device_error_with_the_result(self):
        with self.assertRaises(llbitmap.DeviceError) as cm:
            llbitmap.examine(["/nonexistent/llbitmap-member"])
        self.assertIsInstance(cm.exception, OSError)
        self.assertIn("/nonexistent/llbitmap-member", str(cm.exception))
        result = cm.exception.result
        self.assertEqual(result.exit_status & 4, 4)  # unreadable, as llbitmap-examine exits
        self.assertEqual(result.devices[0].error.code, "NotFound")
        unchecked = llbitmap.examine(["/nonexistent/llbitmap-member"], check=False)
        self.assertEqual(unchecked.to_dict(), result.to_dict())

    def test_metadata_the_kernel_refuses_raises_metadata_error(self):
        with tempfile.TemporaryDirectory() as d:
            not_a_member = os.path.join(d, "zeros.img")
            with open(not_a_member, "wb") as f:
                f.truncate(1 << 20)
            with self.assertRaises(llbitmap.MetadataError) as cm:
                llbitmap.examine([not_a_member])
        self.assertEqual(cm.exception.result.exit_status, 2)
        self.assertIn("no md v1.x superblock", str(cm.exception))

    def test_a_needed_resync_is_a_result_not_an_error(self):
        images = [os.path.join(IMAGES, "realkernel", "b-crash-dirty", f"after-{m}.img") for m in ("vda", "vdb")]
        r = llbitmap.examine(images)
        self.assertEqual(r.exit_status, 1)
        self.assertEqual(r.arrays[0].assembly.sync_chunks, 514)
        self.assertEqual(r.devices[0].md_superblock.events, r["devices"][0]["md_superblock"]["events"])
        self.assertIsInstance(r.devices[0].llbitmap.runs[0], llbitmap.StateRun)

    def test_to_dict_is_the_document_the_tool_prints(self):
        images = [os.path.join(IMAGES, "realkernel", "c-degraded-3disk", f"after-{m}.img")
                  for m in ("vda", "vdb", "vdc")]
        tool = os.path.join(os.environ.get("LLB_TOOLS_DIR", os.path.join(SOURCE, "build", "tools")),
                            "llbitmap-examine")
        printed = subprocess.run([tool, "--json"] + images, capture_output=True, text=True)
        import json
        expected = json.loads(printed.stdout)
        got = llbitmap.examine(images).to_dict()
        self.assertEqual(got, expected)
        self.assertEqual(list(got["devices"][0].keys()), list(expected["devices"][0].keys()))

    def test_help_shows_the_fields_and_the_errors(self):
        self.assertIn("DeviceError", llbitmap.__doc__)
        self.assertIn("to_dict", llbitmap.results.__doc__)
        self.assertIn("check", llbitmap.examine.__doc__)
        self.assertIn("events", [f for f in llbitmap.results.MdSuperblock.__dataclass_fields__])

    def test_a_bad_layout_raises(self):
        with self.assertRaisesRegex(llbitmap.ArgumentError, "layout is 'sideways', expected upstream, rfc or auto"):
            llbitmap.examine(["x"], layout="sideways")


class Simulator(unittest.TestCase):
    TRACE = os.path.join(SOURCE, "fixtures", "traces", "b-crash-dirty.json")

    def test_exported_members_hold_what_the_real_kernel_left(self):
        expected = host_decoded_runs(os.path.join(SOURCE, "fixtures", "realkernel", "b-crash-dirty"))
        with tempfile.TemporaryDirectory() as out:
            r = llbitmap.run(self.TRACE, export_dir=out, timeline=False)
            self.assertTrue(r["ok"], r["error"])
            self.assertEqual(r["kernel"], "upstream")
            images = sorted(p for p in r["exported"] if p.endswith(".img"))
            self.assertEqual([os.path.basename(p) for p in images], ["vda.img", "vdb.img"])
            for path in images:
                examined = llbitmap.examine([path])
                self.assertEqual(llbitmap.state_runs(examined["devices"][0]),
                                 expected[os.path.basename(path)], path)

    def test_the_rfc_model_leaves_other_bytes(self):
        upstream = llbitmap.run(self.TRACE, timeline=False)
        rfc = llbitmap.run(self.TRACE, kernel="rfc", timeline=False)
        self.assertEqual(rfc["kernel"], "rfc")
        self.assertNotEqual(upstream["event_log_hash"], rfc["event_log_hash"])

    def test_same_seed_same_run(self):
        a = llbitmap.run(seed=5)
        b = llbitmap.run(seed=5)
        c = llbitmap.run(seed=6)
        self.assertEqual(a["event_log_hash"], b["event_log_hash"])
        self.assertEqual(a["timeline"], b["timeline"])
        self.assertNotEqual(a["event_log_hash"], c["event_log_hash"])

    def test_a_generated_trace_replays_as_its_seed(self):
        trace = llbitmap.random_trace(3, member_size=64 << 20)
        self.assertEqual(llbitmap.run(trace_json=trace)["event_log_hash"],
                         llbitmap.run(seed=3)["event_log_hash"])

    def test_bad_input_raises_with_the_reason(self):
        with self.assertRaisesRegex(ValueError, "kernel is 'linux', expected upstream, rfc or upstream-patched"):
            llbitmap.run(self.TRACE, kernel="linux")
        with self.assertRaisesRegex(ValueError, "trace_json"):
            llbitmap.run(trace_json="{")
        with self.assertRaisesRegex(ValueError, "give a trace, trace_json or seed"):
            llbitmap.run()
        with self.assertRaises(ValueError):
            llbitmap.run("/nonexistent/trace.json")


class Explorer(unittest.TestCase):
    TRACE = os.path.join(SOURCE, "fixtures", "traces", "b-crash-dirty.json")

    def test_the_exhaustive_count_is_the_pinned_one_and_the_promise_holds(self):
        stats = llbitmap.explore(self.TRACE)["stats"]
        self.assertEqual(stats["states"], 5487)
        self.assertEqual(stats["distinct"], 3347)
        self.assertEqual(stats["safety_violations"], 0)

    def test_array_shapes_the_simulator_cannot_take_raise(self):
        with self.assertRaisesRegex(ValueError, "members is 0, expected 2 to 8"):
            llbitmap.explore(seed=1, members=0)
        with self.assertRaisesRegex(ValueError, "member_size is 4096, expected a multiple of 4 KiB"):
            llbitmap.explore(seed=1, member_size=4096)
        with self.assertRaisesRegex(ValueError, "members is 9"):
            llbitmap.random_trace(1, members=9)

    def test_the_planted_fault_is_found(self):
        r = llbitmap.explore(self.TRACE, plant_fault=True, stop_at_first=True)
        self.assertGreaterEqual(r["stats"]["safety_violations"], 1)
        self.assertEqual(r["violations"][0]["invariant"], "safety")

    def test_media_errors_find_the_bad_block_collision(self):
        # As llbitmap-sim explore --seed 1 --member-size 512M --media-errors (and the C++ test
        # SimBadBlocks.TheExplorerFindsTheCollisionFromARandomWorkload): the workload meets media
        # errors, md records bad blocks, and its log page lands on state bytes.
        trace = json.loads(llbitmap.random_trace(1, member_size=512 << 20, media_errors=True))
        self.assertIn("media_error", [op["op"] for op in trace["ops"]])
        r = llbitmap.explore(seed=1, member_size=512 << 20, media_errors=True, stop_at_first=True)
        self.assertEqual(r.violations[0].invariant, "state-bytes-destroyed")
        self.assertGreaterEqual(r.stats.state_bytes_destroyed, 1)
        plain = llbitmap.explore(seed=1, member_size=512 << 20, max_states=20000)
        self.assertEqual(plain.stats.state_bytes_destroyed, 0)

    def test_the_sweep_script_runs_and_upstream_holds_one_writer_at_a_time(self):
        # python/explore_sweep.py, whose 100-workload output docs/explore.md quotes, on 3.
        out = subprocess.run([sys.executable, os.path.join(SOURCE, "python", "explore_sweep.py"), "3"],
                             capture_output=True, text=True, check=True,
                             env=dict(os.environ, LLB_PYTHON_PATH=os.path.dirname(
                                 os.path.dirname(llbitmap.__file__)))).stdout
        rows = {tuple(re.split(r"\s{2,}", line.strip())[:3]): line.split()
                for line in out.splitlines()[2:]}
        self.assertEqual(len(rows), 18, out)
        for model in ("ordered", "lost cache", "torn + lost cache"):
            for kernel in ("upstream", "upstream-patched"):
                row = rows[("one at a time", kernel, model)]
                self.assertEqual(row[-6], "0", out)          # broken
                self.assertGreater(int(row[-5]), 0, out)     # states


if __name__ == "__main__":
    unittest.main()
