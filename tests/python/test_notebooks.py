"""The crash-scenario notebooks (python/notebooks) run, and print exactly the outputs stored in
them: a notebook whose story no longer matches the simulator fails here."""

import glob
import importlib.util
import os
import unittest

SOURCE = os.environ.get("LLB_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
NOTEBOOKS = os.path.join(SOURCE, "python", "notebooks")

spec = importlib.util.spec_from_file_location("execute", os.path.join(NOTEBOOKS, "execute.py"))
execute = importlib.util.module_from_spec(spec)
spec.loader.exec_module(execute)


class Notebooks(unittest.TestCase):
    def test_every_notebook_prints_its_stored_outputs(self):
        paths = sorted(glob.glob(os.path.join(NOTEBOOKS, "*.ipynb")))
        self.assertGreaterEqual(len(paths), 3)
        for path in paths:
            with self.subTest(notebook=os.path.basename(path)):
                self.assertEqual(execute.check(path), [])

    def check_altered(self, alter):
        """The problems check() finds in the crash notebook after alter(nb) changed its stored
        outputs (written beside the notebook, so that its relative paths still hold)."""
        import json
        import tempfile
        path = os.path.join(NOTEBOOKS, "crash-with-a-write-in-flight.ipynb")
        with open(path) as f:
            nb = json.load(f)
        alter(nb)
        with tempfile.NamedTemporaryFile("w", suffix=".ipynb", dir=NOTEBOOKS, delete=False) as f:
            json.dump(nb, f)
        try:
            return execute.check(f.name)
        finally:
            os.unlink(f.name)

    def test_a_stale_output_is_caught(self):
        def alter(nb):
            code = [c for c in nb["cells"] if c["cell_type"] == "code" and c["outputs"]]
            code[-1]["outputs"][0]["text"][0] = "something the simulator does not print\n"
        problems = self.check_altered(alter)
        self.assertEqual(len(problems), 1)
        self.assertIn("something the simulator does not print", problems[0])

    def test_a_figure_is_compared_by_the_data_it_plots(self):
        mime = "application/vnd.llbitmap.figure+json"

        def alter(nb):
            figs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]
                    if mime in o.get("data", {})]
            self.assertTrue(figs, "the notebook shows no figure")
            self.assertIn("image/png", figs[0]["data"])
            bars = figs[0]["data"][mime]["axes"][0]["bars"]
            self.assertGreater(len(bars), 3)
            bars[0][2] += 1  # one strip one chunk wider than the simulator draws it
        self.assertEqual(len(self.check_altered(alter)), 1)


if __name__ == "__main__":
    unittest.main()
