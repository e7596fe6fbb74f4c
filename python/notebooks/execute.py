#!/usr/bin/python3
"""Executes the crash-scenario notebooks without Jupyter, so they run wherever the module does.

    /usr/bin/python3 python/notebooks/execute.py --write NOTEBOOK...   run, store the outputs
    /usr/bin/python3 python/notebooks/execute.py --check NOTEBOOK...   run, compare with them

Each code cell runs in one namespace, in order, with the notebook's directory as the working
directory; what it prints becomes its output (the notebooks print what they show, so the stored
outputs are plain text a reader sees in Jupyter or on GitHub). --check fails when any cell's
output differs from the stored one: a notebook whose outputs went stale is a failing test.
The module is found through LLB_PYTHON_PATH, else ../../build/python from the notebook.
"""

import contextlib
import io
import json
import os
import sys
import traceback


def run_notebook(path):
    """[(cell index, printed text)] for every code cell, in order."""
    nb_dir = os.path.dirname(os.path.abspath(path))
    module_dir = os.environ.get("LLB_PYTHON_PATH", os.path.join(nb_dir, "..", "..", "build", "python"))
    if module_dir not in sys.path:
        sys.path.insert(0, os.path.abspath(module_dir))
    with open(path) as f:
        nb = json.load(f)
    namespace = {"__name__": "__main__"}
    results = []
    old_cwd = os.getcwd()
    os.chdir(nb_dir)
    try:
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                try:
                    exec(compile("".join(cell["source"]), f"{path}[cell {i}]", "exec"), namespace)
                except Exception:
                    traceback.print_exc(file=out)
                    results.append((i, out.getvalue()))
                    raise RuntimeError(f"{path}: cell {i} raised:\n{out.getvalue()}")
            results.append((i, out.getvalue()))
    finally:
        os.chdir(old_cwd)
    return nb, results


def stored_text(cell):
    return "".join("".join(o.get("text", [])) for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream")


def write(path):
    nb, results = run_notebook(path)
    for count, (i, text) in enumerate(results, start=1):
        cell = nb["cells"][i]
        cell["execution_count"] = count
        cell["outputs"] = ([{"name": "stdout", "output_type": "stream",
                             "text": text.splitlines(keepends=True)}] if text else [])
    with open(path, "w") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")


def check(path):
    """A list of differences (empty when every output is as stored)."""
    nb, results = run_notebook(path)
    problems = []
    for i, text in results:
        expected = stored_text(nb["cells"][i])
        if text != expected:
            problems.append(f"{path}: cell {i} printed:\n{text}\nstored output:\n{expected}")
    return problems


def main(argv):
    if len(argv) < 3 or argv[1] not in ("--write", "--check"):
        print(__doc__, file=sys.stderr)
        return 8
    problems = []
    for path in argv[2:]:
        if argv[1] == "--write":
            write(path)
        else:
            problems += check(path)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
