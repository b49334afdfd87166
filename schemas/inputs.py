"""Values parcelwatch consumes: order events, dispute events and raw carrier records (BRIEF §3)."""

from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from schemas.types import Amount, CountryCode, Frozen, Money, Timestamp

SHIPMENTS_TOPIC = "orders.shipments.v1"
DISPUTES_TOPIC = "disputes.events.v1"
RAW_TOPIC = "tracking.raw.v1"


class ShipmentRegistered(Frozen):
    type: Literal["registered"] = "registered"
    order_id: str
    tracking_number: str
    carrier: str | None = None
    buyer_id: str
    seller_id: str
    order_value: Money
    order_value_usd: Amount
    shipped_at: Timestamp
    protection_ends_at: Timestamp
    guaranteed_delivery_days: int | None = None
    origin_country: CountryCode
    destination_country: CountryCode


class ProtectionExtended(Frozen):
    type: Literal["protection_extended"] = "protection_extended"
    order_id: str
    tracking_number: str
    protection_ends_at: Timestamp


class TrackingNumberReplaced(Frozen):
    type: Literal["tracking_number_replaced"] = "tracking_number_replaced"
    order_id: str
    tracking_number: str
    previous_tracking_number: str
    carrier: str | None = None


class ReceiptConfirmed(Frozen):
    type: Literal["receipt_confirmed"] = "receipt_confirmed"
    order_id: str
    tracking_number: str
    at: Timestamp


OrderEvent = Annotated[
    ShipmentRegistered | ProtectionExtended | TrackingNumberReplaced | ReceiptConfirmed,
    Field(discriminator="type"),
]
ORDER_EVENT: TypeAdapter[OrderEvent] = TypeAdapter(OrderEvent)


class DisputeEvent(Frozen):
    type: Literal["opened", "modified", "cancelled", "closed", "escalated"]
    dispute_id: str
    order_id: str
    buyer_id: str
    reason: str = Field(description="not_received, not_as_described, damaged, wrong_item, …")
    at: Timestamp


class RawTracking(Frozen):
    """What a carrier pushed or answered, exactly as it came, with where it came from."""

    carrier: str
    received_at: Timestamp
    payload: Any
    source: Literal["webhook", "poll", "replay"] = "webhook"
    delivery_id: str | None = None
