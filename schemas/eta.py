"""What the delivery estimate (`shipments.eta.v1`) keeps and sends between keys.

A shipment tells the lanes it belongs to (`LaneObserved`, keyed by lane) how it moved in each leg's
transit-time histogram; the stream merges what one batch tells a lane into one command. Every worker
reads every lane (a global table), so a shipment estimates its delivery from its lanes' histograms
in its own decision, emits `eta_estimated`, and remembers what it emitted (`EtaMemory`) to revise
only on a move of a day or more, and for R8.

A lane key names its level: `lane:{carrier}:{origin}:{destination}`, `country_pair:{origin}:{destination}`,
`destination:{destination}` or `global`. The histograms themselves are `streams.eta.histogram`'s.
"""

from collections.abc import Iterable
from typing import ClassVar, Literal

from pydantic import Field, TypeAdapter

from schemas.types import Frozen, UtcTimestamp

LANE_COMMANDS_TOPIC = "parcelwatch.lane-commands.v1"

#: Where the time to delivery is counted from: shipment, the first import scan, or the first scan of
#: the last mile (out for delivery, a failed attempt or a pickup point).
Leg = Literal["shipped", "import", "out_for_delivery"]
#: The level of the lane an estimate was learned from, finest first.
Basis = Literal["lane", "country_pair", "destination", "global"]
BASES: tuple[Basis, ...] = ("lane", "country_pair", "destination", "global")


def basis_of(lane: str) -> Basis:
    """The level a lane key names (`lane:…`, `country_pair:…`, `destination:…`, `global`)."""
    level = lane.partition(":")[0]
    if level not in BASES:
        raise ValueError(f"not a lane key: {lane!r}")
    return level


def lane_keys(carrier: str, origin: str, destination: str) -> tuple[str, ...]:
    """A shipment's lanes, finest first."""
    return (
        f"lane:{carrier}:{origin}:{destination}",
        f"country_pair:{origin}:{destination}",
        f"destination:{destination}",
        "global",
    )


#: How a shipment stands in a leg's histogram: delivered; its journey ended without a delivery (lost,
#: destroyed, seized, going back: an exception or a return scan); or still in flight at its latest scan.
OutcomeKind = Literal["delivered", "ended", "in_flight"]
OUTCOME_KINDS: tuple[OutcomeKind, ...] = ("delivered", "ended", "in_flight")


class Outcome(Frozen):
    """What one shipment adds to one leg's histogram: what it came to (`kind`), `hours` after the leg
    started (the delivery scan, the scan that ended the journey, or the latest scan)."""

    kind: OutcomeKind
    hours: float


class LegStart(Frozen):
    leg: Leg
    started_at: UtcTimestamp


class LaneCommandBase(Frozen):
    topic: ClassVar[str] = LANE_COMMANDS_TOPIC
    lane: str

    @property
    def key(self) -> str:
        return self.lane


#: Shipments a lane command adds to a lane's histograms (negative: takes out), by window bucket (shipment
#: time, `streams.eta.histogram.bucket_of`), leg, outcome kind and bin: bucket → leg → kind → bin → count.
BinCounts = dict[int, dict[Leg, dict[OutcomeKind, dict[int, int]]]]


def add_counts(into: BinCounts, counts: BinCounts) -> BinCounts:
    """`into` with `counts` added, in place; the counts that add up to 0 are left out."""
    for bucket, legs in counts.items():
        into_legs = into.setdefault(bucket, {})
        for leg, kinds in legs.items():
            into_kinds = into_legs.setdefault(leg, {})
            for kind, bins in kinds.items():
                into_bins = into_kinds.setdefault(kind, {})
                for index, count in bins.items():
                    total = into_bins.get(index, 0) + count
                    if total:
                        into_bins[index] = total
                    else:
                        into_bins.pop(index, None)
                if not into_bins:
                    del into_kinds[kind]
            if not into_kinds:
                del into_legs[leg]
        if not into_legs:
            del into[bucket]
    return into


class LaneObserved(LaneCommandBase):
    """Shipments moved in the lane's histograms: a shipment's outcome per leg went from one bin (or
    kind) to another, or the moves of several commands to the lane, summed (`merged`)."""

    kind: Literal["observed"] = "observed"
    counts: BinCounts

    @classmethod
    def merged(cls, commands: Iterable["LaneObserved"]) -> "LaneObserved | None":
        """One command that moves what all of `commands` (to one lane) move; None when they cancel out."""
        lane, counts = None, {}
        for command in commands:
            lane = command.lane
            add_counts(counts, command.counts)
        return cls(lane=lane, counts=counts) if counts else None


LaneCommand = LaneObserved
LANE_COMMAND: TypeAdapter[LaneCommand] = TypeAdapter(LaneObserved)


class EtaEstimate(Frozen):
    """The estimate last emitted for a shipment."""

    estimated_at: UtcTimestamp
    p50_at: UtcTimestamp
    p80_at: UtcTimestamp
    p95_at: UtcTimestamp
    basis: Basis
    leg: Leg
    samples: int


class EtaMemory(Frozen):
    """A shipment's part in the delivery estimate: its lanes (finest first), the window bucket of its
    shipment, where each leg it reached started, what each leg's histogram holds of it, and the
    estimate last emitted."""

    lanes: tuple[str, ...]
    bucket: int
    legs: tuple[LegStart, ...]
    told: dict[Leg, Outcome] = Field(default_factory=dict)
    estimate: EtaEstimate | None = None


class LegCounts(Frozen):
    """One leg's histogram in one window bucket: shipments per bin, by the kind of their outcome."""

    delivered: dict[int, int] = Field(default_factory=dict)
    ended: dict[int, int] = Field(default_factory=dict)
    in_flight: dict[int, int] = Field(default_factory=dict)


class LaneState(Frozen):
    """A lane's histograms, per window bucket (shipment time) and leg."""

    lane: str
    buckets: dict[int, dict[Leg, LegCounts]] = Field(default_factory=dict)
