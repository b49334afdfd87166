"""Per-shipment state the stream keeps, keyed by tracking number."""

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field, PlainSerializer

from schemas.eta import EtaMemory
from schemas.event import TrackingEvent
from schemas.status import Status
from schemas.types import Amount, Frozen, Timestamp

Model = TypeVar("Model", bound=BaseModel)


def evolve(model: Model, **changes: Any) -> Model:
    """`model` with `changes` applied and not validated, as `model.model_copy(update=changes)` makes
    it at well under half its cost: for values already valid (the decision core's own)."""
    copied = object.__new__(type(model))
    object.__setattr__(copied, "__dict__", {**model.__dict__, **changes})
    # a frozen model's fields set never changes: it is shared while it already names every changed field
    fields_set = model.__pydantic_fields_set__
    if not fields_set.issuperset(changes):
        fields_set = fields_set.union(changes)
    object.__setattr__(copied, "__pydantic_fields_set__", fields_set)
    object.__setattr__(copied, "__pydantic_extra__", None)
    object.__setattr__(copied, "__pydantic_private__", None)
    return copied


class DisputeState(Frozen):
    """The buyer's dispute on an order, as the dispute platform last described it."""

    dispute_id: str
    reason: str
    open: bool
    opened_at: Timestamp
    updated_at: Timestamp

    @property
    def open_not_received(self) -> bool:
        return self.open and self.reason == "not_received"


class OrderWatch(Frozen):
    """An order whose buyer protection depends on this shipment, and what was already decided for it."""

    order_id: str
    buyer_id: str
    seller_id: str
    order_value_usd: Amount
    shipped_at: Timestamp
    protection_ends_at: Timestamp
    guaranteed_delivery_days: int | None = None
    origin_country: str
    destination_country: str
    tracking_since: Timestamp = Field(
        description="when this tracking number became the order's: shipment, or the replacement (R2/R3 count from it)"
    )
    dispute: DisputeState | None = None
    linked: bool = Field(
        False, description="the order side has told this shipment the order's dispute, or that it has none"
    )
    closed: bool = False
    shortened_for: Timestamp | None = Field(
        default=None, description="delivered_at of the delivery scan that cut protection short (R1)"
    )
    ends_before_shortening: Timestamp | None = None
    fired: Annotated[frozenset[str], PlainSerializer(sorted, return_type=list[str])] = frozenset()


class ShipmentState(Frozen):
    tracking_number: str
    updated_at: Timestamp | None = Field(None, description="when the last input (not a tick) reached this shipment")
    carrier: str | None = None
    events: tuple[TrackingEvent, ...] = Field(
        (),
        description="ordered by carrier time: the latest events and the earlier ones the rules still read "
        "(`schemas.event.kept_events`); the whole history is on tracking.raw.v1",
    )
    status: Status | None = None
    orders: dict[str, OrderWatch] = Field(default_factory=dict)
    eta: EtaMemory | None = Field(None, description="the shipment's part in the delivery estimate (streams.eta)")


class OrderLink(Frozen):
    """Per order: the tracking numbers that carry it and its dispute (kept by the order-keyed agent)."""

    order_id: str
    tracking_numbers: tuple[str, ...] = ()
    dispute: DisputeState | None = None
