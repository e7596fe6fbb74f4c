#!/usr/bin/python3
"""Checks the source tree against the layering docs/architecture.md describes.

Every #include "..." of a library, tool, binding or benchmark source is an edge from its room (a
layer folder) to another; an edge the table below does not allow fails the check, as does a source
file longer than the limit, nlohmann/json outside the JSON renderers, and test hooks outside
tests/. Run from anywhere: check_structure.py [SOURCE_DIR]. Exit 0 when the tree is as described,
1 with one line per breach.
"""

import pathlib
import re
import sys

# Which rooms each room may include (itself always). Lower layers never include higher ones.
CODEC = "libformat/codec"
IO = "libformat/io"
OPS = "libformat/ops"
REPORT = "libformat/report"
LIBFORMAT = {CODEC, IO, OPS, REPORT}
SIM_BASE = {"sim/core", "sim/kernel"}
SIM_KERNEL_AREAS = {"sim/md", "sim/llbitmap", "sim/raid1", "sim/sync", "sim/lifecycle"}
SIM_ALL = SIM_BASE | SIM_KERNEL_AREAS | {"sim/workload", "sim/explore", "sim/report"}

ALLOWED = {
    CODEC: set(),
    IO: {CODEC},
    OPS: {CODEC, IO},
    REPORT: {CODEC, IO, OPS},
    "sim/kernel": {CODEC},
    "sim/core": {CODEC, IO},
    # md is the array (mddev); it sees llbitmap only through a pointer, as mddev->bitmap.
    "sim/md": {CODEC, IO} | SIM_BASE,
    "sim/llbitmap": {CODEC, IO} | SIM_BASE | {"sim/md"},
    # raid1, the sync thread and the lifecycle call into md and into the bitmap, as the kernel's do.
    "sim/raid1": {CODEC, IO} | SIM_BASE | {"sim/md", "sim/llbitmap"},
    "sim/sync": {CODEC, IO} | SIM_BASE | {"sim/md", "sim/llbitmap"},
    "sim/lifecycle": {CODEC, IO} | SIM_BASE | {"sim/md", "sim/llbitmap"},
    "sim/workload": LIBFORMAT | SIM_BASE | SIM_KERNEL_AREAS,
    "sim/explore": LIBFORMAT | SIM_BASE | SIM_KERNEL_AREAS | {"sim/workload"},
    "sim/report": LIBFORMAT | SIM_BASE | SIM_KERNEL_AREAS | {"sim/workload", "sim/explore"},
    # The front ends sit on top: they may use any library room, never each other.
    "tools": LIBFORMAT | SIM_ALL,
    "python": LIBFORMAT | SIM_ALL,
    "bench": LIBFORMAT | SIM_ALL,
}

MAX_LINES = 600
# nlohmann/json is the JSON renderers' private business (report/json.h says why).
NLOHMANN_ALLOWED = re.compile(r"^(libformat/report/|sim/report/|python/|tests/|bench/)")
# Test hooks: the kill switch lives only in tests/ (the library has a neutral write seam).
TEST_HOOK = re.compile(r"LLB_TEST_KILL|kill\(|raise\(SIGKILL")


def room_of(path: str) -> str:
    parts = path.split("/")
    if parts[0] in ("libformat", "sim") and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0]


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parents[2])
    breaches = []
    sources = []
    for top in ("libformat", "sim", "tools", "python", "bench"):
        sources += [p for p in (root / top).rglob("*") if p.suffix in (".cc", ".h")]
    if not sources:
        print(f"{root}: no sources found under libformat/ sim/ tools/ python/ bench/")
        return 1
    for p in sorted(sources):
        rel = p.relative_to(root).as_posix()
        src_room = room_of(rel)
        text = p.read_text()
        lines = text.count("\n")
        if src_room not in ALLOWED:
            breaches.append(f"{rel}: room {src_room} is not in the layering table")
            continue
        if lines > MAX_LINES:
            breaches.append(f"{rel}: {lines} lines, more than {MAX_LINES}: split it by concept")
        for n, line in enumerate(text.splitlines(), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if m:
                target = m.group(1)
                if not re.match(r"^(libformat|sim|tools|python|bench)/", target):
                    continue
                dst_room = room_of(target)
                if dst_room != src_room and dst_room not in ALLOWED[src_room]:
                    breaches.append(f"{rel}:{n}: {src_room} includes {target} ({dst_room}), "
                                    f"which is not below it")
            if "nlohmann" in line and line.lstrip().startswith("#include") and \
                    not NLOHMANN_ALLOWED.match(rel):
                breaches.append(f"{rel}:{n}: includes nlohmann/json outside the JSON renderers")
            if src_room in LIBFORMAT | SIM_ALL | {"tools"} and TEST_HOOK.search(line):
                breaches.append(f"{rel}:{n}: a test hook outside tests/: {line.strip()}")
    for b in breaches:
        print(b)
    print(f"{len(sources)} sources checked, {len(breaches)} breaches")
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
