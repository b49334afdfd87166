"""The decision core: `decide(state, input, now, settings)`, pure and synchronous.

The Faust agent, `parcelwatch replay` and the tests all call this one function; it reads no
clock, broker, cache or network. One shipment (tracking number) is one state.
"""

from dataclasses import dataclass, field
from datetime import datetime

from schemas.event import TrackingEvent, current_event, merge_events
from schemas.inputs import ProtectionExtended, ReceiptConfirmed, ShipmentRegistered, TrackingNumberReplaced
from schemas.outputs import Output, StatusChanged
from schemas.state import OrderWatch, ShipmentState
from streams.rules import RULES, RuleContext
from streams.rules.settings import RuleSettings


@dataclass(frozen=True, slots=True)
class CarrierUpdate:
    """Canonical events a carrier reported for one tracking number."""

    tracking_number: str
    carrier: str
    events: tuple[TrackingEvent, ...]


@dataclass(frozen=True, slots=True)
class OrderInput:
    event: ShipmentRegistered | ProtectionExtended | TrackingNumberReplaced | ReceiptConfirmed

    @property
    def tracking_number(self) -> str:
        return self.event.tracking_number


Input = CarrierUpdate | OrderInput


@dataclass(frozen=True, slots=True)
class Decision:
    state: ShipmentState
    outputs: list[Output] = field(default_factory=list)


def decide(state: ShipmentState | None, update: Input, now: datetime, settings: RuleSettings) -> Decision:
    previous = state
    current = state or ShipmentState(tracking_number=update.tracking_number)
    outputs: list[Output] = []
    match update:
        case CarrierUpdate():
            current, changed = _apply_events(current, update)
            outputs.extend(changed)
        case OrderInput(event=ShipmentRegistered() as registered):
            current = _register(current, registered)
        case OrderInput(event=ProtectionExtended() as extended):
            current = _update_order(current, extended.order_id, protection_ends_at=extended.protection_ends_at)
        case OrderInput(event=ReceiptConfirmed() as confirmed):
            current = _update_order(current, confirmed.order_id, closed=True)
        case OrderInput(event=TrackingNumberReplaced()):
            return Decision(current)
    current, fired = _run_rules(current, previous, now, settings)
    outputs.extend(fired)
    return Decision(current, outputs)


def _apply_events(state: ShipmentState, update: CarrierUpdate) -> tuple[ShipmentState, list[Output]]:
    history, added = merge_events(state.events, update.events)
    if not added:
        return state, []
    latest = current_event(history)
    new_status = latest.status if latest else None
    updated = state.model_copy(update={"events": history, "status": new_status, "carrier": update.carrier})
    if latest is None or new_status == state.status:
        return updated, []
    changed = StatusChanged.build(
        tracking_number=state.tracking_number,
        order_ids=tuple(sorted(state.orders)),
        status=new_status,
        previous_status=state.status,
        substatus=latest.substatus,
        occurred_at=latest.occurred_at,
        carrier=latest.carrier,
        country=latest.country,
        location=latest.location,
        description=latest.description,
    )
    return updated, [changed]


def _register(state: ShipmentState, registered: ShipmentRegistered) -> ShipmentState:
    if registered.order_id in state.orders:
        return state
    watch = OrderWatch(
        order_id=registered.order_id,
        buyer_id=registered.buyer_id,
        seller_id=registered.seller_id,
        order_value_usd=registered.order_value_usd,
        shipped_at=registered.shipped_at,
        protection_ends_at=registered.protection_ends_at,
        guaranteed_delivery_days=registered.guaranteed_delivery_days,
        origin_country=registered.origin_country,
        destination_country=registered.destination_country,
    )
    return state.model_copy(
        update={"orders": {**state.orders, watch.order_id: watch}, "carrier": state.carrier or registered.carrier}
    )


def _update_order(state: ShipmentState, order_id: str, **changes) -> ShipmentState:
    order = state.orders.get(order_id)
    if order is None:
        return state
    return state.model_copy(update={"orders": {**state.orders, order_id: order.model_copy(update=changes)}})


def _run_rules(
    state: ShipmentState, previous: ShipmentState | None, now: datetime, settings: RuleSettings
) -> tuple[ShipmentState, list[Output]]:
    outputs: list[Output] = []
    orders = dict(state.orders)
    for order_id, order in state.orders.items():
        if order.closed or now >= order.protection_ends_at:
            continue
        ctx = RuleContext(shipment=state, previous=previous, now=now, settings=settings)
        for check in RULES:
            order, raised = check(order, ctx)
            outputs.extend(raised)
        orders[order_id] = order
    if orders == state.orders:
        return state, outputs
    return state.model_copy(update={"orders": orders}), outputs
