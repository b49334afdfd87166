"""Values parcelwatch emits for the dispute platform (BRIEF §3).

Every value carries `event_id`, a UUID derived from the facts that make the output what it
is (its `identity`), so a replay or a redelivered input yields the same id and consumers
deduplicate on it.
"""

import uuid
from typing import Any, ClassVar, Literal

import orjson
from pydantic import ConfigDict, Field

from schemas.eta import Basis, Leg
from schemas.status import Status
from schemas.types import Frozen, UtcTimestamp

SCHEMA_VERSION = 1
EVENT_ID_NAMESPACE = uuid.UUID("6f1d3f5e-8a53-4f43-9d1e-3c1c2b7a9e01")

STATUS_TOPIC = "shipments.status.v1"
PROTECTION_TOPIC = "protection.adjustments.v1"
FLAGS_TOPIC = "tracking.flags.v1"
NOTIFICATIONS_TOPIC = "buyer.notifications.v1"
DEADLETTER_TOPIC = "tracking.deadletter.v1"
SELLER_METRICS_TOPIC = "sellers.metrics.v1"
ETA_TOPIC = "shipments.eta.v1"


def event_id_for(kind: str, facts: dict[str, Any]) -> str:
    canonical = orjson.dumps({"type": kind, **facts}, option=orjson.OPT_SORT_KEYS)
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, canonical.decode()))


class Output(Frozen):
    """Base of every emitted value: `topic`, the key field and the identity fields are class data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: ClassVar[str]
    key_field: ClassVar[str]
    identity: ClassVar[tuple[str, ...]]

    event_id: str = Field(description="UUIDv5 of the facts behind this output: the same facts always give the same id")
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def build(cls, **fields: Any) -> "Output":
        draft = cls(event_id="", **fields)
        facts = draft.model_dump(mode="json", include=set(cls.identity))
        return draft.model_copy(update={"event_id": event_id_for(draft.type, facts)})

    @property
    def key(self) -> str | None:
        return getattr(self, self.key_field)


class StatusChanged(Output):
    topic: ClassVar[str] = STATUS_TOPIC
    key_field: ClassVar[str] = "tracking_number"
    identity: ClassVar[tuple[str, ...]] = ("tracking_number", "status", "previous_status", "occurred_at")

    type: Literal["status_changed"] = "status_changed"
    tracking_number: str
    order_ids: tuple[str, ...]
    status: Status
    previous_status: Status | None
    substatus: str | None = None
    occurred_at: UtcTimestamp
    carrier: str
    country: str | None = None
    location: str | None = None
    description: str | None = None
    time_inferred: bool = Field(
        False,
        description="occurred_at comes from a carrier time without a UTC offset, placed by parcelwatch in the zone"
        " of the event's country or the carrier's home zone",
    )


class ProtectionAdjusted(Output):
    topic: ClassVar[str] = PROTECTION_TOPIC
    key_field: ClassVar[str] = "order_id"
    identity: ClassVar[tuple[str, ...]] = ("order_id", "tracking_number", "delivered_at", "protection_ends_at")

    type: Literal["protection_shortened", "protection_restored"]
    order_id: str
    tracking_number: str
    delivered_at: UtcTimestamp = Field(description="carrier time of the delivery scan")
    previous_ends_at: UtcTimestamp = Field(description="end of buyer protection before this adjustment")
    protection_ends_at: UtcTimestamp = Field(description="end of buyer protection from now on")
    reason: str = Field(description="the rule and the scan behind the adjustment, for people")
    time_inferred: bool = Field(
        False,
        description="delivered_at comes from a carrier time without a UTC offset, placed by parcelwatch in the zone"
        " of the event's country or the carrier's home zone (known for protection_shortened; false on"
        " protection_restored)",
    )


class FlagRaised(Output):
    topic: ClassVar[str] = FLAGS_TOPIC
    key_field: ClassVar[str] = "order_id"
    identity: ClassVar[tuple[str, ...]] = ("order_id", "tracking_number", "flag", "raised_at")

    type: Literal["flag_raised"] = "flag_raised"
    flag: Literal[
        "tracking_unreadable_seller_check",
        "tracking_unreadable",
        "low_value_untracked",
        "stuck_in_export",
        "origin_only_tracking",
        "returning_to_sender",
        "returned_to_sender",
        "dispute_conflicts_with_delivery",
        "guaranteed_delivery_missed",
        "tracking_number_predates_shipment",
        "destination_mismatch",
        "invalid_tracking_number",
    ]
    order_id: str
    tracking_number: str
    raised_at: UtcTimestamp = Field(description="when the condition became true; for a time rule, the deadline itself")
    details: dict[str, Any] = Field(default_factory=dict)


class BuyerNotification(Output):
    topic: ClassVar[str] = NOTIFICATIONS_TOPIC
    key_field: ClassVar[str] = "order_id"
    identity: ClassVar[tuple[str, ...]] = ("order_id", "tracking_number", "template", "deadline")

    type: Literal["notification"] = "notification"
    template: Literal[
        "protection_ending_soon",
        "delivered_open_dispute",
        "delivered_check_receipt",
        "parcel_returning",
        "awaiting_pickup",
        "tracking_unreadable_can_dispute",
    ]
    order_id: str
    buyer_id: str
    tracking_number: str
    deadline: UtcTimestamp = Field(description="the date the buyer must act by, e.g. delivered_at + 5 days")
    facts: dict[str, Any] = Field(default_factory=dict)


class DeadLetter(Output):
    """An input that could not be used, kept whole with the stage that refused it and why."""

    topic: ClassVar[str] = DEADLETTER_TOPIC
    key_field: ClassVar[str] = "record_key"
    identity: ClassVar[tuple[str, ...]] = ("source_topic", "partition", "offset", "record_key", "value", "stage", "at")

    type: Literal["dead_letter"] = "dead_letter"
    source_topic: str
    partition: int | None = None
    offset: int | None = None
    record_key: str | None = None
    value: str = Field(description="the record's value as it was, decoded as UTF-8 (invalid bytes replaced)")
    stage: Literal["decode", "validate", "parse", "event_time", "event", "decide", "webhook"] = Field(
        description="where it was refused; event_time and event: events of a carrier record left out (a time"
        " that is implausible, unreadable or without a zone; another invalid field), the rest of it used"
    )
    reason: str
    at: UtcTimestamp


class SellerMetrics(Output):
    """A seller's daily scorecard over the window before `as_of`, from the stream's own shipments
    (`streams.sellers`). Rates are rounded to 3 decimals, null when nothing is counted."""

    topic: ClassVar[str] = SELLER_METRICS_TOPIC
    key_field: ClassVar[str] = "seller_id"
    identity: ClassVar[tuple[str, ...]] = ("seller_id", "as_of", "window_days")

    type: Literal["seller_metrics"] = "seller_metrics"
    seller_id: str
    as_of: UtcTimestamp = Field(description="00:00 UTC of the day the scorecard is for; it counts the days before")
    window_days: int
    orders: int = Field(description="orders shipped in the window")
    valid_tracking_rate: float | None = Field(
        description="of the orders shipped in the window at least 5 days before as_of (valid_tracking_days),"
        " the share whose number had a real scan within 5 days of shipped_at"
    )
    median_hours_to_first_scan: int | None = Field(
        description="of the orders shipped in the window with a real scan, the median hours from shipment to"
        " the first: the hour it falls in up to 3 days, its 6 hours up to 10 days, its day up to 30, 720 beyond"
    )
    delivered: int = Field(description="orders delivered in the window, whenever shipped")
    on_time_rate: float | None = Field(
        description="of the orders delivered in the window with a guaranteed delivery time, the share delivered"
        " within guaranteed_delivery_days of shipped_at"
    )
    returned: int = Field(description="orders returned to the sender in the window")


class EtaEstimated(Output):
    """When the shipment will probably be delivered, learned from its lane's own deliveries (`streams.eta`)."""

    topic: ClassVar[str] = ETA_TOPIC
    key_field: ClassVar[str] = "tracking_number"
    identity: ClassVar[tuple[str, ...]] = ("tracking_number", "estimated_at", "p50_at", "p80_at", "p95_at")

    type: Literal["eta_estimated"] = "eta_estimated"
    tracking_number: str
    order_ids: tuple[str, ...]
    carrier: str
    origin_country: str
    destination_country: str
    status: Status = Field(description="the shipment's status when estimated")
    estimated_at: UtcTimestamp
    p50_at: UtcTimestamp = Field(description="half of such shipments are delivered by then")
    p80_at: UtcTimestamp = Field(description="80 % of such shipments are delivered by then")
    p95_at: UtcTimestamp = Field(description="95 % of such shipments are delivered by then")
    basis: Basis = Field(
        description="the level learned from: the lane (carrier, origin, destination), else the country pair,"
        " the destination, or all shipments, the first with enough deliveries"
    )
    leg: Leg = Field(
        description="counted from shipment, from the first import scan, or from the first last-mile scan"
        " (out for delivery, failed attempt, pickup point), given the time already spent in it"
    )
    samples: int = Field(description="deliveries the estimate rests on: those later than the time already spent")


OUTPUT_MODELS: tuple[type[Output], ...] = (
    StatusChanged,
    ProtectionAdjusted,
    FlagRaised,
    BuyerNotification,
    DeadLetter,
    EtaEstimated,
    SellerMetrics,
)
