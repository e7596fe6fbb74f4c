"""Figures for the crash-scenario notebooks, and the data they plot.

show(fig) displays a matplotlib figure in a notebook as a PNG together with the data the figure
plots (``application/vnd.llbitmap.figure+json``): titles, axis labels, every line's points, every
bar, every image's values, every scatter's points. The notebook tests compare that data exactly,
not the pixels. An axes whose title ends with "(wall clock)" plots timings: its x values and the
number of points are compared, its y values are not.

state_strips(ax, rows, chunks) draws rows of per-chunk states (one row per member, plus any row of
chunk sets such as a resync plan) on one chunk axis.
"""

import base64
import io
from typing import Dict, Iterable, List, Sequence, Tuple

FIGURE_MIME = "application/vnd.llbitmap.figure+json"
WALL_CLOCK = "(wall clock)"

# One colour per state name, as examine prints them; "no state" for invalid bytes.
STATE_COLOURS = {
    "unwritten": "#f0f0f0", "clean": "#7fbf7f", "dirty": "#f4a442", "need sync": "#d62728",
    "syncing": "#9467bd", "need sync unwritten": "#e377c2", "syncing unwritten": "#8c564b",
    "clean unwritten": "#bcbd22", "invalid": "#000000",
}


def _num(v):
    """A plain int or float (numpy scalars and masked values made JSON-friendly)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return int(f) if f.is_integer() else round(f, 9)


def figure_data(fig) -> dict:
    """What a figure plots, as plain JSON-able data."""
    import matplotlib.colors
    axes = []
    for ax in fig.get_axes():
        a = {"title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
             "lines": [], "bars": [], "images": [], "scatter": [],
             "yticklabels": [t.get_text() for t in ax.get_yticklabels()]}
        for line in ax.get_lines():
            a["lines"].append({"label": line.get_label(),
                               "x": [_num(v) for v in line.get_xdata()],
                               "y": [_num(v) for v in line.get_ydata()]})
        for p in ax.patches:
            if hasattr(p, "get_width") and hasattr(p, "get_xy"):
                x, y = p.get_xy()
                a["bars"].append([_num(x), _num(y), _num(p.get_width()), _num(p.get_height()),
                                  matplotlib.colors.to_hex(p.get_facecolor())])
        for im in ax.get_images():
            arr = im.get_array()
            a["images"].append([[_num(v) for v in row] for row in arr.tolist()])
        for c in ax.collections:
            if type(c).__name__ in ("PolyCollection", "BrokenBarHCollection"):
                colours = c.get_facecolor()
                for i, path in enumerate(c.get_paths()):
                    b = path.get_extents()
                    rgba = colours[i % len(colours)] if len(colours) else (0, 0, 0, 1)
                    a["bars"].append([_num(b.x0), _num(b.y0), _num(b.width), _num(b.height),
                                      matplotlib.colors.to_hex(rgba)])
                continue
            offsets = c.get_offsets()
            if len(offsets):
                a["scatter"].append({"label": c.get_label(),
                                     "points": [[_num(x), _num(y)] for x, y in offsets.tolist()]})
        a["volatile"] = a["title"].endswith(WALL_CLOCK)
        axes.append(a)
    return {"axes": axes}


def comparable(data: dict) -> dict:
    """The part of figure_data the tests compare: wall-clock axes keep their x values only."""
    out = {"axes": []}
    for a in data["axes"]:
        a = dict(a)
        if a.get("volatile"):
            a["lines"] = [{"label": l["label"], "x": l["x"], "n": len(l["y"])} for l in a["lines"]]
            a["bars"] = [[b[0], b[2], b[4]] for b in a["bars"]]
            a["scatter"] = [{"label": s["label"], "n": len(s["points"])} for s in a["scatter"]]
            a.pop("yticklabels", None)  # they follow the timings
        out["axes"].append(a)
    return out


def show(fig) -> None:
    """Display fig in the notebook as a PNG plus the data it plots, then close it."""
    import matplotlib.pyplot as plt
    from IPython.display import display
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    data = figure_data(fig)
    plt.close(fig)
    display({"image/png": base64.b64encode(buf.getvalue()).decode(), FIGURE_MIME: data,
             "text/plain": f"<figure: {len(data['axes'])} axes>"}, raw=True)


def chunk_states(runs: Iterable, chunks: int) -> List[str]:
    """Per-chunk state names from runs (StateRun objects or dicts with first, last, state); bytes
    that are no state become "invalid"."""
    out = ["unwritten"] * chunks
    for r in runs:
        state = r["state"] if r["state"] in STATE_COLOURS else "invalid"  # "none(0xff)", ...
        for c in range(r["first"], min(r["last"], chunks - 1) + 1):
            out[c] = state
    return out


def state_strips(ax, rows: Sequence[Tuple[str, Sequence[str]]], chunks: int,
                 marks: Dict[str, Iterable[int]] = None) -> None:
    """One horizontal strip per (name, per-chunk state names) row, coloured by state, bottom to
    top in the order given; marks: extra rows of chunk sets (name -> chunks) drawn in black."""
    from matplotlib.patches import Patch
    marks = marks or {}
    labels = []
    y = 0
    for name, states in rows:
        start = 0
        for c in range(1, chunks + 1):
            if c == chunks or states[c] != states[start]:
                ax.broken_barh([(start, c - start)], (y, 0.8), color=STATE_COLOURS.get(states[start], "#000"))
                start = c
        labels.append(name)
        y += 1
    for name, cs in marks.items():
        for c in sorted(set(cs)):
            ax.broken_barh([(c, 1)], (y, 0.8), color="black")
        labels.append(name)
        y += 1
    ax.set_yticks([i + 0.4 for i in range(len(labels))])
    ax.set_yticklabels(labels)
    ax.set_xlim(0, chunks)
    ax.set_xlabel("chunk")
    used = sorted({s for _, states in rows for s in states}, key=list(STATE_COLOURS).index)
    ax.legend(handles=[Patch(color=STATE_COLOURS[s], label=s) for s in used],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
