"""What the delivery estimate (`shipments.eta.v1`) keeps and sends between keys.

A shipment tells the lanes it belongs to (`LaneObserved`, keyed by lane) what it adds to each leg's
transit-time histogram, and asks the finest of them for an estimate (`EtaRequest`); a lane with too
few samples forwards the request to the next coarser one; the lane that answers sends the estimate
back to the shipment (`schemas.commands.EtaAnswered`), which emits `eta_estimated` when it is news
and remembers the estimate it emitted (`EtaMemory`) to revise only on a move of a day or more, and
for R8.

A lane key names its level: `lane:{carrier}:{origin}:{destination}`, `country_pair:{origin}:{destination}`,
`destination:{destination}` or `global`. The histograms themselves are `streams.eta.histogram`'s.
"""

from typing import Annotated, ClassVar, Literal

from pydantic import Field, TypeAdapter

from schemas.status import Status
from schemas.types import Frozen, KeyedCommand, UtcTimestamp

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


class LegChange(Frozen):
    leg: Leg
    removed: Outcome | None = None
    added: Outcome | None = None


class LegStart(Frozen):
    leg: Leg
    started_at: UtcTimestamp


class LaneCommandBase(KeyedCommand):
    topic: ClassVar[str] = LANE_COMMANDS_TOPIC
    key_field: ClassVar[str] = "lane"

    lane: str


class LaneObserved(LaneCommandBase):
    """A shipment's outcome per leg changed: take the old one out of the lane's histogram, put the new in.
    `bucket` is the window bucket of its shipment time (`streams.eta.histogram.bucket_of`)."""

    kind: Literal["observed"] = "observed"
    bucket: int
    changes: tuple[LegChange, ...]


class EtaRequest(LaneCommandBase):
    """Estimate this shipment's delivery from `lane`, or forward to the first of `fallback` when too few
    samples. `legs`: most advanced first, each tried before the next; the time already spent in a leg
    is `estimated_at − started_at`. `previous_p80_at`: the p80 last emitted for the shipment when it
    asked; an estimate within `revise_days` of it is not answered."""

    kind: Literal["estimate"] = "estimate"
    tracking_number: str
    order_ids: tuple[str, ...]
    carrier: str
    origin_country: str
    destination_country: str
    status: Status
    estimated_at: UtcTimestamp
    legs: tuple[LegStart, ...]
    fallback: tuple[str, ...] = ()
    previous_p80_at: UtcTimestamp | None = None


LaneCommand = Annotated[LaneObserved | EtaRequest, Field(discriminator="kind")]
LANE_COMMAND: TypeAdapter[LaneCommand] = TypeAdapter(LaneCommand)


class EtaEstimate(Frozen):
    """A delivery estimate: a lane's answer (`schemas.commands.EtaAnswered`), and the one last emitted for a
    shipment (`EtaMemory.estimate`)."""

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
