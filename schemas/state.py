"""Per-shipment state the stream keeps, keyed by tracking number."""

from pydantic import Field

from schemas.event import TrackingEvent
from schemas.status import Status
from schemas.types import Amount, Frozen, Timestamp


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
    closed: bool = False
    shortened_for: Timestamp | None = Field(
        default=None, description="delivered_at of the delivery scan that cut protection short (R1)"
    )
    ends_before_shortening: Timestamp | None = None
    fired: frozenset[str] = frozenset()


class ShipmentState(Frozen):
    tracking_number: str
    carrier: str | None = None
    events: tuple[TrackingEvent, ...] = ()
    status: Status | None = None
    orders: dict[str, OrderWatch] = Field(default_factory=dict)
