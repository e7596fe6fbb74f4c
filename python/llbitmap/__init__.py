"""llbitmap-tools from Python: examine md RAID1 members with a lockless write-intent bitmap,
simulate both kernel versions of the llbitmap, and explore what a crash can leave on disk.

Every function returns what the matching command prints with --json, as a typed object
(llbitmap.results: attributes named as the JSON fields, ``r["field"]`` too, ``to_dict()`` for the
document itself):

    examine(paths, layout="auto", check=True) -> Examination    llbitmap-examine --json
    examine_text(paths, layout="auto") -> str                   llbitmap-examine
    run(trace=None, *, trace_json=None, seed=None, kernel=None, export_dir=None) -> RunResult
                                                                llbitmap-sim run --json
    explore(trace=None, *, seed=None, kernel=None, ops=40, ...) -> ExploreResult
                                                                llbitmap-sim explore --json
    random_trace(seed, ops=40, members=2, member_size=128 MiB) -> str
                                                                the seeded workload's trace (JSON)
    sweep(seeds, ops=40, max_states=0, workers=None, scheduler=None) -> SweepResult
                                                                explore many workloads, on Dask
                                                                (llbitmap.sweeps)

Errors raise, each a subclass of llbitmap.Error:
    ArgumentError (also a ValueError)  bad arguments: an unknown layout or kernel, a malformed
                                       trace, an impossible array shape; the message names the
                                       field, the value and what was expected
    DeviceError (also an OSError)      examine: a device could not be opened or read
    MetadataError                      examine: metadata the kernel would refuse (exit bit 2)
    WorkloadError                      explore: the workload itself failed to run
DeviceError and MetadataError carry the whole result as ``.result``; examine(..., check=False)
returns it instead of raising. "A resync is needed" (exit bit 1) is a result, never an error.
"""

from typing import List, Optional

from . import _llbitmap
from .results import (ArrayReport, DeviceReport, Examination, ExploreResult, Record, RunResult,
                      StateRun, Violation)


class Error(Exception):
    """Base of the module's errors."""


class ArgumentError(Error, ValueError):
    """Bad arguments: the message names the field, the value and what was expected."""


class DeviceError(Error, OSError):
    """A device could not be opened or read (llbitmap-examine's exit bit 4). ``.result`` holds
    the examination of every device given."""

    def __init__(self, message: str, result: Examination):
        super().__init__(message)
        self.result = result


class MetadataError(Error):
    """Metadata the kernel would refuse, or two devices claiming one member (exit bit 2).
    ``.result`` holds the examination, findings included."""

    def __init__(self, message: str, result: Examination):
        super().__init__(message)
        self.result = result


class WorkloadError(Error):
    """The workload given to explore() failed to run (before any crash state was explored)."""


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValueError as e:
        message = str(e)
        if message.startswith("the workload failed: "):
            raise WorkloadError(message) from None
        raise ArgumentError(message) from None


def examine(paths: List[str], layout: str = "auto", check: bool = True) -> Examination:
    """Examine member devices or image files: the document llbitmap-examine --json prints.

    With check (the default), raises DeviceError when a device cannot be read and MetadataError
    when the kernel would refuse what is on it; both carry the result. A needed resync is not an
    error: look at ``exit_status & 1`` and ``arrays[i].assembly``."""
    r = Examination.from_dict(_call(_llbitmap.examine, list(paths), layout))
    if check:
        unreadable = [d for d in r.devices if d.exit_bits & 4]
        if unreadable:
            raise DeviceError("; ".join(d.error.message if d.error else d.path for d in unreadable), r)
        if r.exit_status & 2:
            errors = [d.error.message for d in r.devices if d.error is not None and d.exit_bits & 2]
            errors += [f"{d.path}: {f.code}: {f.message}" for d in r.devices
                       for f in (d.findings or []) if f.severity == "error"]
            raise MetadataError("; ".join(errors) or "unusable metadata", r)
    return r


def examine_text(paths: List[str], layout: str = "auto") -> str:
    """The text llbitmap-examine prints for these devices."""
    return _call(_llbitmap.examine_text, list(paths), layout)


def run(trace: Optional[str] = None, *, trace_json: Optional[str] = None,
        seed: Optional[int] = None, kernel: Optional[str] = None,
        export_dir: Optional[str] = None, timeline: bool = True) -> RunResult:
    """Run a trace (a file, JSON text, or a random workload from seed) through the simulator: the
    document llbitmap-sim run --json prints. An operation that fails is a result (``ok``,
    ``error``), as the tool's exit status 1 is."""
    return RunResult.from_dict(_call(_llbitmap.run, trace, trace_json=trace_json, seed=seed,
                                     kernel=kernel, export_dir=export_dir, timeline=timeline))


def explore(trace: Optional[str] = None, *, trace_json: Optional[str] = None,
            seed: Optional[int] = None, kernel: Optional[str] = None, ops: int = 40,
            members: int = 2, member_size: int = 128 << 20, exhaustive: bool = True,
            max_states: int = 0, torn: bool = True, cache_loss: bool = True,
            live_pages: bool = False, plant_fault: bool = False,
            stop_at_first: bool = False, media_errors: bool = False) -> ExploreResult:
    """Enumerate the crash states of a workload and check the bitmap's promise: the document
    llbitmap-sim explore --json prints. Violations are results (``violations``). media_errors
    gives a seeded workload media errors to meet (llbitmap-sim explore --media-errors)."""
    return ExploreResult.from_dict(_call(
        _llbitmap.explore, trace, trace_json=trace_json, seed=seed, kernel=kernel, ops=ops,
        members=members, member_size=member_size, exhaustive=exhaustive, max_states=max_states,
        torn=torn, cache_loss=cache_loss, live_pages=live_pages, plant_fault=plant_fault,
        stop_at_first=stop_at_first, media_errors=media_errors))


def random_trace(seed: int, ops: int = 40, members: int = 2, member_size: int = 128 << 20,
                 logical_block_size: int = 512, media_errors: bool = False) -> str:
    """The JSON trace of the seeded random workload generator (media_errors: with media errors
    to meet, as llbitmap-sim explore --media-errors)."""
    return _call(_llbitmap.random_trace, seed, ops, members, member_size, logical_block_size,
                 media_errors)


def sweep(seeds, **kwargs):
    """Explore many seeded workloads on every kernel and fault model, serially or on a Dask
    cluster; the result is the same whatever the worker count (see the llbitmap.sweeps module)."""
    from .sweeps import sweep as _sweep
    return _sweep(seeds, **kwargs)


def state_runs(member) -> list:
    """The runs of one member of an examine() or run() result as (first, last, state) tuples."""
    runs = member.get("runs")
    if runs is None:
        runs = member["llbitmap"]["runs"]
    return [(r["first"], r["last"], r["state"]) for r in runs]


__all__ = ["examine", "examine_text", "run", "explore", "random_trace", "state_runs", "sweep",
           "Error", "ArgumentError", "DeviceError", "MetadataError", "WorkloadError",
           "Examination", "DeviceReport", "ArrayReport", "RunResult", "ExploreResult",
           "Violation", "StateRun", "Record"]
