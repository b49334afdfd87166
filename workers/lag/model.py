"""Consumer lag, pure: the time-lag estimate and Burrow's status rules. No Kafka, no clock.

Times are seconds since the epoch (floats); the caller passes `now` in every sample.

**Time lag** (kafka-lag-exporter's method). Every sample adds the partition's end offset and the
time it was read to a bounded `LookupTable`. The time lag of a committed offset is how long ago
the end offset was that offset, i.e. how long ago the consumer would have been caught up:
interpolated between the two recorded points around it, extrapolated along the table's average
rate when it is older than the table, a lower bound when there is no rate to extrapolate with.

**Status** (Burrow's evaluation rules, over the last `window` samples of a group's partition).
Kafka's OffsetFetch gives no commit times, so a commit is only seen when it moves the committed
offset, and "still committing" cannot be told from "stopped committing" by offsets alone. What
separates STALL from STOP here is whether a live group member holds the partition. See
`evaluate` for the rules exactly.
"""

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import pairwise

TopicPartition = tuple[str, int]


# -- time lag ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    """The partition's end offset `offset` was read at `at`."""

    offset: int
    at: float


class EstimateKind(StrEnum):
    CAUGHT_UP = "caught_up"  # committed offset at (or past) the newest end offset: no lag
    INTERPOLATED = "interpolated"  # between two recorded points
    EXTRAPOLATED = "extrapolated"  # older than the table: its average rate, extended back
    AT_LEAST = "at_least"  # older than the table and no rate to extend (one point, or a flat table)


@dataclass(frozen=True, slots=True)
class Estimate:
    """When the end offset was the committed offset (for AT_LEAST: the latest it can have been)."""

    at: float
    kind: EstimateKind

    def lag_seconds(self, now: float) -> float:
        if self.kind is EstimateKind.CAUGHT_UP:
            return 0.0
        return max(0.0, now - self.at)


@dataclass(frozen=True, slots=True)
class LookupTable:
    """The last `size` (end offset, time) points of one partition, oldest first.

    Points only move forward: a point no later than the newest is ignored; an end offset lower
    than the newest means the log was truncated or the topic recreated, and starts a new table.
    A flat stretch (no new records) is kept as its two ends, so an idle partition does not push
    the useful points out of the table (kafka-lag-exporter compresses flat lines the same way).
    """

    size: int
    points: tuple[Point, ...] = ()

    def add(self, point: Point) -> "LookupTable":
        if not self.points:
            return replace(self, points=(point,))
        newest = self.points[-1]
        if point.at <= newest.at:
            return self
        if point.offset < newest.offset:
            return replace(self, points=(point,))
        if point.offset == newest.offset and len(self.points) >= 2 and self.points[-2].offset == point.offset:
            return replace(self, points=(*self.points[:-1], point))
        return replace(self, points=(*self.points, point)[-self.size :])

    def when(self, offset: int) -> Estimate | None:
        """When the end offset was `offset`; None for an empty table."""
        if not self.points:
            return None
        newest = self.points[-1]
        if offset >= newest.offset:
            return Estimate(newest.at, EstimateKind.CAUGHT_UP)
        # The newest point whose end offset had not passed `offset` yet (and the next one, which had).
        index = bisect_right(self.points, offset, key=lambda p: p.offset) - 1
        if index >= 0:
            left, right = self.points[index], self.points[index + 1]
            at = left.at + (offset - left.offset) * (right.at - left.at) / (right.offset - left.offset)
            return Estimate(at, EstimateKind.INTERPOLATED)
        oldest = self.points[0]
        if newest.offset == oldest.offset:
            return Estimate(oldest.at, EstimateKind.AT_LEAST)
        rate = (newest.offset - oldest.offset) / (newest.at - oldest.at)
        return Estimate(oldest.at - (oldest.offset - offset) / rate, EstimateKind.EXTRAPOLATED)


# -- status --------------------------------------------------------------------------------------


class Status(StrEnum):
    OK = "OK"
    WARN = "WARN"
    STOP = "STOP"
    STALL = "STALL"
    REWIND = "REWIND"


#: Burrow's order of severity (its status constants): a group is as bad as its worst partition.
SEVERITY = {Status.OK: 0, Status.WARN: 1, Status.STOP: 2, Status.STALL: 3, Status.REWIND: 4}


@dataclass(frozen=True, slots=True)
class Sample:
    """One evaluation of a group's partition: its committed and end offsets read at `at`.

    `owned`: a live member of the group has the partition in its assignment (DescribeGroups).
    """

    at: float
    committed: int
    end: int
    owned: bool = False

    @property
    def lag(self) -> int:
        return max(0, self.end - self.committed)


def _rewound(window: Sequence[Sample]) -> bool:
    """The committed offset went back and has not yet returned to where it was (Burrow PR #716)."""
    drops = [i for i in range(1, len(window)) if window[i].committed < window[i - 1].committed]
    return bool(drops) and window[-1].committed < window[drops[-1] - 1].committed


def evaluate(window: Sequence[Sample], size: int, allowed_lag: int = 0) -> Status:
    """The partition's status over its last `size` samples (oldest first), Burrow's rules in order.

    "Caught up" means a lag of at most `allowed_lag` (Burrow's allowed-lag, 0 by default).

    1. Caught up now: OK (a partition with no lag is never in error).
    2. REWIND: the committed offset went back within the window and has not come back to where
       it was (checked even if the window also saw the consumer caught up, as Burrow does since
       PR #716).
    3. Fewer than `size` samples: OK; the other rules only judge a full window.
    4. Caught up at any sample of the window: OK (Burrow's rule 1, and its "recent broker offsets"
       guard against calling a consumer stopped just after new records arrived).
    5. The committed offset did not move across the whole window:
       - STALL when a live member holds the partition: a consumer is there and makes no progress
         (Burrow: commits whose offset does not change);
       - STOP otherwise: no commit moved the offset for the window and no live member holds it
         (Burrow: no commits for the window).
    6. WARN: the offset moves but the lag never went down between two samples (a slow consumer).
    7. OK.
    """
    window = window[-size:]
    if not window:
        return Status.OK
    latest = window[-1]
    if latest.lag <= allowed_lag:
        return Status.OK
    if _rewound(window):
        return Status.REWIND
    if len(window) < size:
        return Status.OK
    if any(sample.lag <= allowed_lag for sample in window):
        return Status.OK
    if all(sample.committed == latest.committed for sample in window):
        return Status.STALL if latest.owned else Status.STOP
    if all(later.lag >= earlier.lag for earlier, later in pairwise(window)):
        return Status.WARN
    return Status.OK


# -- one sampling round --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one sampling round read from the cluster, at `at`.

    `committed`: per group, the committed offset of each partition it has one for.
    `owners`: per group, the partitions in a live member's assignment, each with who holds it.
    """

    at: float
    ends: Mapping[TopicPartition, int]
    committed: Mapping[str, Mapping[TopicPartition, int]]
    owners: Mapping[str, Mapping[TopicPartition, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int
    end: int
    lag_offsets: int
    lag_seconds: float | None  # None: nothing recorded for the partition yet
    estimate: EstimateKind | None
    status: Status
    owner: str | None  # the member holding the partition ("client-id@host"), when the broker says
    samples: int  # samples in the status window (the status is only judged on a full window)


@dataclass(frozen=True, slots=True)
class GroupLag:
    group: str
    status: Status | None  # None: the group has no committed offsets
    partitions: int
    lag_offsets: int
    max_lag_seconds: float | None


@dataclass(frozen=True, slots=True)
class LagReport:
    at: float
    window: int
    groups: tuple[str, ...]
    partitions: tuple[PartitionLag, ...]

    def by_group(self) -> list[GroupLag]:
        summaries = []
        for group in self.groups:
            rows = [row for row in self.partitions if row.group == group]
            seconds = [row.lag_seconds for row in rows if row.lag_seconds is not None]
            summaries.append(
                GroupLag(
                    group=group,
                    status=max((row.status for row in rows), key=SEVERITY.__getitem__) if rows else None,
                    partitions=len(rows),
                    lag_offsets=sum(row.lag_offsets for row in rows),
                    max_lag_seconds=max(seconds) if seconds else None,
                )
            )
        return summaries


@dataclass(frozen=True, slots=True)
class LagState:
    """Per partition, its lookup table; per group and partition, its status window."""

    tables: Mapping[TopicPartition, LookupTable] = field(default_factory=dict)
    windows: Mapping[tuple[str, str, int], tuple[Sample, ...]] = field(default_factory=dict)


def observe(
    state: LagState, snapshot: Snapshot, *, window: int, table_size: int, allowed_lag: int = 0
) -> tuple[LagState, LagReport]:
    """Add one sampling round to the state; the lag and status of every group's partitions.

    Partitions that left the snapshot (no end offset, or no committed offset any more) are
    forgotten, so their windows and tables do not outlive them.
    """
    tables = {}
    for tp, end in snapshot.ends.items():
        tables[tp] = state.tables.get(tp, LookupTable(table_size)).add(Point(end, snapshot.at))
    windows: dict[tuple[str, str, int], tuple[Sample, ...]] = {}
    rows = []
    for group in snapshot.committed:
        owners = snapshot.owners.get(group, {})
        for tp, committed in sorted(snapshot.committed[group].items()):
            if tp not in tables:
                continue
            key = (group, *tp)
            owner = owners.get(tp)
            sample = Sample(snapshot.at, committed, snapshot.ends[tp], owned=owner is not None)
            windows[key] = (*state.windows.get(key, ()), sample)[-window:]
            estimate = tables[tp].when(committed)
            rows.append(
                PartitionLag(
                    group=group,
                    topic=tp[0],
                    partition=tp[1],
                    committed=committed,
                    end=sample.end,
                    lag_offsets=sample.lag,
                    lag_seconds=estimate.lag_seconds(snapshot.at) if estimate else None,
                    estimate=estimate.kind if estimate else None,
                    status=evaluate(windows[key], window, allowed_lag),
                    owner=owner,
                    samples=len(windows[key]),
                )
            )
    report = LagReport(at=snapshot.at, window=window, groups=tuple(snapshot.committed), partitions=tuple(rows))
    return LagState(tables=tables, windows=windows), report
