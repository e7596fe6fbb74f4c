"""Typed results of the llbitmap module: one dataclass per object of the tools' JSON schemas
(docs/examine-json.md, docs/sim.md, docs/explore.md), with the schema's field names.

Every result is a Record: attributes (``result.devices[0].md_superblock.events``), the same
fields by key as the JSON document has them (``result["devices"][0]["md_superblock"]["events"]``,
kept so that code written against the dicts still runs), and ``to_dict()``, which gives back the
document exactly as ``--json`` prints it (fields a later schema adds are kept, by key).
Objects whose shape depends on the finding (``bblog_overlap``, ``classic_bitmap``, ``filler``,
the conflicts and recoveries of an array) stay dicts.
"""

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Dict, List, Optional, Tuple


class Record:
    """Base of every result class: attribute and key access, and to_dict()."""

    _nested: ClassVar[Dict[str, Tuple[str, bool]]] = {}  # field -> (class name, is a list)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Record":
        """The object of this class for one JSON object (a dict)."""
        names = {f.name for f in fields(cls)}
        kwargs, extra = {}, {}
        for k, v in d.items():
            if k not in names:
                extra[k] = v
                continue
            spec = cls._nested.get(k)
            if spec is not None and v is not None:
                sub = _CLASSES[spec[0]]
                v = [sub.from_dict(x) for x in v] if spec[1] else sub.from_dict(v)
            kwargs[k] = v
        obj = cls(**kwargs)
        object.__setattr__(obj, "_keys", list(d.keys()))
        object.__setattr__(obj, "_extra", extra)
        return obj

    def _field_names(self) -> List[str]:
        return [f.name for f in fields(self)]

    def keys(self) -> List[str]:
        """The document's keys, in its order."""
        return list(getattr(self, "_keys", None) or self._field_names())

    def __getitem__(self, key: str) -> Any:
        if key in self._field_names():
            return getattr(self, key)
        extra = getattr(self, "_extra", {})
        if key in extra:
            return extra[key]
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: str) -> bool:
        return key in self.keys()

    def to_dict(self) -> Dict[str, Any]:
        """The JSON document this object was made from (or would print as), as dicts and lists."""
        return {k: _plain(self[k]) for k in self.keys()}


def _plain(v: Any) -> Any:
    if isinstance(v, Record):
        return v.to_dict()
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


@dataclass
class StateRun(Record):
    """A run of chunks in one state: chunks first to last (inclusive), the state byte and its name."""
    first: Optional[int] = None
    last: Optional[int] = None
    value: Optional[int] = None
    state: Optional[str] = None


@dataclass
class StateCounts(Record):
    """How many chunks are in each llbitmap state (and how many bytes are no state)."""
    unwritten: Optional[int] = None
    clean: Optional[int] = None
    dirty: Optional[int] = None
    need_sync: Optional[int] = None
    syncing: Optional[int] = None
    need_sync_unwritten: Optional[int] = None
    syncing_unwritten: Optional[int] = None
    clean_unwritten: Optional[int] = None
    invalid: Optional[int] = None


@dataclass
class Finding(Record):
    """A finding of examine: severity (info, warning, error), stable code, message naming device, offset, field, value and expectation."""
    severity: Optional[str] = None
    code: Optional[str] = None
    message: Optional[str] = None


@dataclass
class DeviceInfo(Record):
    """The device itself: kind (file or block), size and logical block size."""
    kind: Optional[str] = None
    size_bytes: Optional[int] = None
    logical_block_size: Optional[int] = None


@dataclass
class ErrorInfo(Record):
    """Why a device could not be read: the status code name and the message."""
    code: Optional[str] = None
    message: Optional[str] = None


@dataclass
class MdSuperblock(Record):
    """The md v1.x superblock, every field mdadm -E prints and more (docs/examine-json.md)."""
    minor_version: Optional[int] = None
    offset_bytes: Optional[int] = None
    magic: Optional[int] = None
    major_version: Optional[int] = None
    feature_map: Optional[int] = None
    features: List[str] = field(default_factory=list)
    array_uuid: Optional[str] = None
    array_uuid_dashed: Optional[str] = None
    name: Optional[str] = None
    ctime: Optional[int] = None
    level: Optional[int] = None
    level_name: Optional[str] = None
    layout: Optional[int] = None
    size_sectors: Optional[int] = None
    chunksize_sectors: Optional[int] = None
    raid_disks: Optional[int] = None
    bitmap_offset_sectors: Optional[int] = None
    data_offset_sectors: Optional[int] = None
    data_size_sectors: Optional[int] = None
    super_offset_sectors: Optional[int] = None
    recovery_offset_sectors: Optional[int] = None
    dev_number: Optional[int] = None
    role: Optional[int] = None
    device_uuid: Optional[str] = None
    devflags: Optional[int] = None
    bblog_shift: Optional[int] = None
    bblog_size_sectors: Optional[int] = None
    bblog_offset_sectors: Optional[int] = None
    utime: Optional[int] = None
    events: Optional[int] = None
    resync_offset: Optional[int] = None
    state: Optional[str] = None
    sb_csum: Optional[int] = None
    computed_csum: Optional[int] = None
    checksum_ok: Optional[bool] = None
    max_dev: Optional[int] = None
    logical_block_size: Optional[int] = None
    dev_roles: List[int] = field(default_factory=list)


@dataclass
class BitmapSuperblock(Record):
    """The bitmap superblock (classic v4 or lockless v6)."""
    magic: Optional[int] = None
    version: Optional[int] = None
    uuid: Optional[str] = None
    events: Optional[int] = None
    events_cleared: Optional[int] = None
    sync_size_sectors: Optional[int] = None
    state: Optional[int] = None
    state_flags: List[str] = field(default_factory=list)
    chunksize: Optional[int] = None
    daemon_sleep: Optional[int] = None
    write_behind: Optional[int] = None
    sectors_reserved: Optional[int] = None
    nodes: Optional[int] = None
    offset_bytes: Optional[int] = None


@dataclass
class Llbitmap(Record):
    """The lockless bitmap: layout and why, geometry, state counts, runs of states, filler check."""
    layout: Optional[str] = None
    layout_reason: Optional[str] = None
    chunksize_sectors: Optional[int] = None
    chunkshift: Optional[int] = None
    chunks: Optional[int] = None
    resync_sectors: Optional[int] = None
    state_offset_bytes: Optional[int] = None
    io_size_bytes: Optional[int] = None
    pages: Optional[int] = None
    counts: Optional[StateCounts] = None
    runs: List[StateRun] = field(default_factory=list)
    filler: Optional[dict] = None

    _nested: ClassVar[Dict[str, Tuple[str, bool]]] = {
        "counts": ("StateCounts", False),
        "runs": ("StateRun", True),
    }


@dataclass
class DeviceReport(Record):
    """One device examined: what could be read and what was found."""
    path: Optional[str] = None
    exit_bits: Optional[int] = None
    error: Optional[ErrorInfo] = None
    device: Optional[DeviceInfo] = None
    md_superblock: Optional[MdSuperblock] = None
    bitmap_superblock: Optional[BitmapSuperblock] = None
    llbitmap: Optional[Llbitmap] = None
    bad_blocks: Optional[List[List[int]]] = None
    bblog_overlap: Optional[dict] = None
    classic_bitmap: Optional[dict] = None
    findings: List[Finding] = field(default_factory=list)

    _nested: ClassVar[Dict[str, Tuple[str, bool]]] = {
        "error": ("ErrorInfo", False),
        "device": ("DeviceInfo", False),
        "md_superblock": ("MdSuperblock", False),
        "bitmap_superblock": ("BitmapSuperblock", False),
        "llbitmap": ("Llbitmap", False),
        "findings": ("Finding", True),
    }


@dataclass
class ArrayMember(Record):
    """A member as the array sees it: role, state, events and how far behind, how its state bytes differ from the bitmap source."""
    path: Optional[str] = None
    role: Optional[int] = None
    state: Optional[str] = None
    write_mostly: Optional[bool] = None
    events: Optional[int] = None
    bitmap_events: Optional[int] = None
    events_behind: Optional[int] = None
    bitmap_comparable: Optional[bool] = None
    differing_state_bytes: Optional[int] = None
    differing_runs: List[Any] = field(default_factory=list)


@dataclass
class Assembly(Record):
    """What the next assembly does with the bitmap: the load action, why, and what it resyncs."""
    action: Optional[str] = None
    explanation: Optional[str] = None
    sync_kind: Optional[str] = None
    sync_chunks: Optional[int] = None
    sync_runs: List[StateRun] = field(default_factory=list)
    sync_bytes: Optional[int] = None
    full_sync_bytes: Optional[int] = None
    invalid_forced: Optional[int] = None

    _nested: ClassVar[Dict[str, Tuple[str, bool]]] = {
        "sync_runs": ("StateRun", True),
    }


@dataclass
class ArrayReport(Record):
    """One array: its members, which bitmap the kernel reads, lagging members, what assembly will resync."""
    uuid: Optional[str] = None
    level: Optional[int] = None
    raid_disks: Optional[int] = None
    max_events: Optional[int] = None
    bitmap_source: Optional[str] = None
    members: List[ArrayMember] = field(default_factory=list)
    lagging: List[str] = field(default_factory=list)
    degraded: Optional[bool] = None
    conflicts: List[Any] = field(default_factory=list)
    recoveries: List[Any] = field(default_factory=list)
    assembly: Optional[Assembly] = None

    _nested: ClassVar[Dict[str, Tuple[str, bool]]] = {
        "members": ("ArrayMember", True),
        "assembly": ("Assembly", False),
    }


@dataclass
class Examination(Record):
    """What llbitmap.examine() returns: the document llbitmap-examine --json prints (schema llbitmap-examine, version 1)."""
    schema: Optional[str] = None
    schema_version: Optional[int] = None
    exit_status: Optional[int] = None
    devices: List[DeviceReport] = field(default_factory=list)
    arrays: List[ArrayReport] = field(default_factory=list)

    _nested: ClassVar[Dict[str, Tuple[str, bool]]] = {
        "devices": ("DeviceReport", True),
        "arrays": ("ArrayReport", True),
    }


@dataclass
class TimelineEvent(Record):
    """One line of a simulator run's timeline."""
    at_us: Optional[int] = None
    what: Optional[str] = None


@dataclass
class SimMember(Record):
    """One member at a moment of a simulation: md and bitmap fields and the runs of its on-disk states."""
    name: Optional[str] = None
    in_array: Optional[bool] = None
    faulty: Optional[bool] = None
    md_events: Optional[int] = None
    md_clean: Optional[bool] = None
    bitmap_events: Optional[int] = None
    bitmap_state: Optional[int] = None
    chunksize: Optional[int] = None
    daemon_sleep: Optional[int] = None
    sync_size: Optional[int] = None
    runs: List[StateRun] = field(default_factory=list)

    _nested: ClassVar[Dict[str, Tuple[str, bool]]] = {
        "runs": ("StateRun", True),
    }


@dataclass
class Snapshot(Record):
    """The members at one labelled moment of a run."""
    label: Optional[str] = None
    at_us: Optional[int] = None
    members: List[SimMember] = field(default_factory=list)

    _nested: ClassVar[Dict[str, Tuple[str, bool]]] = {
        "members": ("SimMember", True),
    }


@dataclass
class RunResult(Record):
    """What llbitmap.run() returns: the document llbitmap-sim run --json prints (schema llbitmap-sim-run, version 1)."""
    schema: Optional[str] = None
    schema_version: Optional[int] = None
    trace: Optional[str] = None
    seed: Optional[int] = None
    kernel: Optional[str] = None
    ok: Optional[bool] = None
    error: Optional[str] = None
    end_us: Optional[int] = None
    events: Optional[int] = None
    event_log_hash: Optional[str] = None
    timeline: List[TimelineEvent] = field(default_factory=list)
    dumps: List[Snapshot] = field(default_factory=list)
    final: Optional[Snapshot] = None
    exported: List[str] = field(default_factory=list)
    reproduce: Optional[str] = None

    _nested: ClassVar[Dict[str, Tuple[str, bool]]] = {
        "timeline": ("TimelineEvent", True),
        "dumps": ("Snapshot", True),
        "final": ("Snapshot", False),
    }


@dataclass
class ExploreStats(Record):
    """Counts of an exploration: crash points, states, violations by kind, speed."""
    crash_points: Optional[int] = None
    states: Optional[int] = None
    distinct: Optional[int] = None
    max_depth: Optional[int] = None
    max_pending: Optional[int] = None
    sampled_points: Optional[int] = None
    safety_violations: Optional[int] = None
    resync_violations: Optional[int] = None
    durability_violations: Optional[int] = None
    refused_states: Optional[int] = None
    state_bytes_destroyed: Optional[int] = None
    bblog_overwritten: Optional[int] = None
    members_refused: Optional[int] = None
    unnecessary_chunks: Optional[int] = None
    unnecessary_bytes: Optional[int] = None
    seconds: Optional[float] = None
    states_per_second: Optional[float] = None
    budget_exhausted: Optional[bool] = None


@dataclass
class WriteFate(Record):
    """A write pending at a crash point and what the crash made of it."""
    member: Optional[int] = None
    write: Optional[int] = None
    tag: Optional[str] = None
    sector: Optional[int] = None
    sectors: Optional[int] = None
    inflight: Optional[bool] = None
    fate: Optional[str] = None


@dataclass
class Violation(Record):
    """A crash state where the bitmap broke its promise, with the writes' fates."""
    invariant: Optional[str] = None
    event_index: Optional[int] = None
    at_us: Optional[int] = None
    chunk: Optional[int] = None
    source: Optional[int] = None
    on_disk_states: List[int] = field(default_factory=list)
    model_state: Optional[int] = None
    detail: Optional[str] = None
    writes: List[WriteFate] = field(default_factory=list)

    _nested: ClassVar[Dict[str, Tuple[str, bool]]] = {
        "writes": ("WriteFate", True),
    }


@dataclass
class ExploreResult(Record):
    """What llbitmap.explore() returns: the document llbitmap-sim explore --json prints (schema llbitmap-sim-explore, version 1)."""
    schema: Optional[str] = None
    schema_version: Optional[int] = None
    kernel: Optional[str] = None
    seed: Optional[int] = None
    stats: Optional[ExploreStats] = None
    violations: List[Violation] = field(default_factory=list)

    _nested: ClassVar[Dict[str, Tuple[str, bool]]] = {
        "stats": ("ExploreStats", False),
        "violations": ("Violation", True),
    }



_CLASSES = {c.__name__: c for c in Record.__subclasses__()}

__all__ = sorted(_CLASSES) + ["Record"]
