"""R16: the seller may replace the tracking number, protection may be extended, the buyer may confirm
receipt (the order closes). They arrive as order events and change what is watched: unlike the other
rules, R16 is how a shipment's orders change, applied by `decide` before the rules run."""

from datetime import datetime

from carriers.detect import detect
from schemas.commands import AdoptOrder, LinkShipment, OrderCommand, ReleaseOrder, ShipmentCommand, UnlinkShipment
from schemas.inputs import ProtectionExtended, ReceiptConfirmed, ShipmentRegistered, TrackingNumberReplaced
from schemas.state import OrderWatch, ShipmentState, evolve
from streams.rules.base import update_order

Command = ShipmentCommand | OrderCommand
OrderEvent = ShipmentRegistered | ProtectionExtended | TrackingNumberReplaced | ReceiptConfirmed


def apply_order_change(
    state: ShipmentState, change: OrderEvent | ReleaseOrder | AdoptOrder, now: datetime
) -> tuple[ShipmentState, list[Command]]:
    """R16: the shipment's orders after an order event (or the hand-over of an order from its old
    number to its new one), and the commands that carry it to the other keys."""
    match change:
        case ShipmentRegistered():
            return _register(state, change), [
                LinkShipment(order_id=change.order_id, tracking_number=state.tracking_number)
            ]
        case ProtectionExtended():
            extended = update_order(
                state, change.order_id, protection_ends_at=change.protection_ends_at, ends_before_shortening=None
            )
            return extended, []
        case ReceiptConfirmed():
            return update_order(state, change.order_id, closed=True), []
        case TrackingNumberReplaced():
            if change.order_id in state.orders:
                return state, []
            release = ReleaseOrder(
                tracking_number=change.previous_tracking_number,
                order_id=change.order_id,
                new_tracking_number=state.tracking_number,
                carrier=change.carrier,
            )
            return state, [release]
        case ReleaseOrder():
            return _release(state, change, now)
        case AdoptOrder():
            if change.order.order_id not in state.orders:
                orders = {**state.orders, change.order.order_id: change.order}
                state = evolve(state, orders=orders, carrier=change.carrier or state.carrier)
            return state, [LinkShipment(order_id=change.order.order_id, tracking_number=state.tracking_number)]


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
        tracking_since=registered.shipped_at,
    )
    carrier = state.carrier or registered.carrier or _likely_carrier(state.tracking_number)
    return evolve(state, orders={**state.orders, watch.order_id: watch}, carrier=carrier)


def _likely_carrier(tracking_number: str) -> str | None:
    """An order without a carrier hint: the most likely carrier by the number's format."""
    candidates = [c for c in detect(tracking_number) if c.valid_check_digit is not False]
    return candidates[0].carrier if candidates else None


def _release(state: ShipmentState, release: ReleaseOrder, now: datetime) -> tuple[ShipmentState, list[Command]]:
    order = state.orders.get(release.order_id)
    if order is None:
        return state, []
    remaining = {order_id: watch for order_id, watch in state.orders.items() if order_id != release.order_id}
    handed = AdoptOrder(
        tracking_number=release.new_tracking_number,
        previous_tracking_number=state.tracking_number,
        carrier=release.carrier,
        order=evolve(order, tracking_since=now),
    )
    unlink = UnlinkShipment(order_id=release.order_id, tracking_number=state.tracking_number)
    return evolve(state, orders=remaining), [handed, unlink]
