#!/usr/bin/python3
"""Executes the crash-scenario notebooks with nbclient (Jupyter's own executor, on the python3
kernel of Debian's /usr/bin/python3) and stores or checks their outputs.

    /usr/bin/python3 python/notebooks/execute.py --write NOTEBOOK...   run, store the outputs
    /usr/bin/python3 python/notebooks/execute.py --check NOTEBOOK...   run, compare with them

Outputs are what Jupyter stores: printed text, results, and figures. A figure is stored as a PNG
and as the data it plots (llbitmap.figures.show); --check compares text exactly and figures by
that data, never by their pixels (axes marked "(wall clock)" by their x values only), and fails
on any cell that raises. A notebook whose outputs went stale is a failing test.
The module is found through LLB_PYTHON_PATH (the notebooks read it), else ../../build/python.
"""

import copy
import os
import sys

import nbformat
from nbclient import NotebookClient

HERE = os.path.dirname(os.path.abspath(__file__))
FIGURE_MIME = "application/vnd.llbitmap.figure+json"


def _figures():
    path = os.environ.get("LLB_PYTHON_PATH", os.path.join(HERE, "..", "..", "build", "python"))
    if path not in sys.path:
        sys.path.insert(0, os.path.abspath(path))
    from llbitmap import figures
    return figures


def run_notebook(path):
    """The notebook, executed: every code cell's outputs replaced by this run's."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        cell.setdefault("id", f"cell-{i}")
    env_path = os.environ.get("LLB_PYTHON_PATH", os.path.join(HERE, "..", "..", "build", "python"))
    os.environ["LLB_PYTHON_PATH"] = os.path.abspath(env_path)
    os.environ.setdefault("MPLBACKEND", "agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # the kernel's debugger note
    ran = copy.deepcopy(nb)
    NotebookClient(ran, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}}).execute()
    return nb, ran


def comparable_outputs(cell, figures):
    """A cell's outputs as the tests compare them."""
    out = []
    for o in cell.get("outputs", []):
        kind = o["output_type"]
        if kind == "stream":
            text = o["text"] if isinstance(o["text"], str) else "".join(o["text"])
            if out and out[-1][0] == "stream" and out[-1][1] == o["name"]:
                out[-1] = ("stream", o["name"], out[-1][2] + text)  # Jupyter may split a stream
            else:
                out.append(("stream", o["name"], text))
        elif kind in ("display_data", "execute_result"):
            data = o.get("data", {})
            if FIGURE_MIME in data:
                out.append(("figure", figures.comparable(data[FIGURE_MIME]), "image/png" in data))
            else:
                text = data.get("text/plain", "")
                out.append(("data", text if isinstance(text, str) else "".join(text)))
        elif kind == "error":
            out.append(("error", o.get("ename"), o.get("evalue")))
    return out


def _strip(nb):
    """Run-specific metadata out, so that a re-run changes only what the notebook shows; every
    cell gets a stable id (nbformat 4.5 wants one)."""
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cell["id"] = f"cell-{i}"
    nb.metadata.pop("widgets", None)
    return nb


def write(path):
    _, ran = run_notebook(path)
    nbformat.write(_strip(ran), path)


def check(path):
    """A list of differences (empty when every output is as stored)."""
    figures = _figures()
    stored, ran = run_notebook(path)
    problems = []
    for i, (a, b) in enumerate(zip(stored.cells, ran.cells)):
        if a.cell_type != "code":
            continue
        want, got = comparable_outputs(a, figures), comparable_outputs(b, figures)
        if got != want:
            problems.append(f"{path}: cell {i} shows:\n{got}\nstored:\n{want}")
        if any(o[0] == "figure" and not o[2] for o in got):
            problems.append(f"{path}: cell {i}: a figure without its PNG")
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
