"""Internal inputs parcelwatch sends itself: timer ticks, what crosses between a shipment's state
(keyed by tracking number) and an order's (keyed by order id), and a lane's answer to a shipment's
delivery-estimate request (`schemas.eta`).

In the stream they travel on two internal topics, so each lands on the partition that owns its
key; `replay` delivers them from an in-memory queue. Either way `decide` sees the same inputs.
"""

from typing import Annotated, ClassVar, Literal

from pydantic import Field, TypeAdapter

from schemas.eta import EtaEstimate
from schemas.state import DisputeState, OrderWatch
from schemas.status import Status
from schemas.types import KeyedCommand

SHIPMENT_COMMANDS_TOPIC = "parcelwatch.shipment-commands.v1"
ORDER_COMMANDS_TOPIC = "parcelwatch.order-commands.v1"


class ShipmentCommandBase(KeyedCommand):
    topic: ClassVar[str] = SHIPMENT_COMMANDS_TOPIC
    key_field: ClassVar[str] = "tracking_number"

    tracking_number: str


class OrderCommandBase(KeyedCommand):
    topic: ClassVar[str] = ORDER_COMMANDS_TOPIC
    key_field: ClassVar[str] = "order_id"

    order_id: str


class Tick(ShipmentCommandBase):
    """A deadline of this shipment passed: run the rules at the tick's time."""

    kind: Literal["tick"] = "tick"


class DisputeChanged(ShipmentCommandBase):
    """The order's dispute as the order side knows it (None: no dispute), sent on every change
    and in answer to every link, so a shipment knows when it knows."""

    kind: Literal["dispute_changed"] = "dispute_changed"
    order_id: str
    dispute: DisputeState | None


class ReleaseOrder(ShipmentCommandBase):
    """The order moved to another tracking number: hand it over."""

    kind: Literal["release_order"] = "release_order"
    order_id: str
    new_tracking_number: str
    carrier: str | None = None


class AdoptOrder(ShipmentCommandBase):
    """Watch this order, handed over from its previous tracking number, with all it fired so far."""

    kind: Literal["adopt_order"] = "adopt_order"
    previous_tracking_number: str
    carrier: str | None = None
    order: OrderWatch


class EtaAnswered(ShipmentCommandBase):
    """A lane's answer to the shipment's `EtaRequest`: the estimate, with the request's shipment as
    `eta_estimated` names it. The shipment emits it when it is news (`streams.eta.shipment.answered`)."""

    kind: Literal["eta_answered"] = "eta_answered"
    order_ids: tuple[str, ...]
    carrier: str
    origin_country: str
    destination_country: str
    status: Status
    estimate: EtaEstimate


ShipmentCommand = Annotated[
    Tick | DisputeChanged | ReleaseOrder | AdoptOrder | EtaAnswered, Field(discriminator="kind")
]
SHIPMENT_COMMAND: TypeAdapter[ShipmentCommand] = TypeAdapter(ShipmentCommand)


class LinkShipment(OrderCommandBase):
    kind: Literal["link"] = "link"
    tracking_number: str


class UnlinkShipment(OrderCommandBase):
    kind: Literal["unlink"] = "unlink"
    tracking_number: str


OrderCommand = Annotated[LinkShipment | UnlinkShipment, Field(discriminator="kind")]
ORDER_COMMAND: TypeAdapter[OrderCommand] = TypeAdapter(OrderCommand)
