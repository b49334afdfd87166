"""R1: a delivery scan cuts the protection window to N days after it; a later scan that
contradicts the delivery gives the window back."""

from datetime import timedelta

from schemas.event import current_event
from schemas.outputs import Output, ProtectionAdjusted
from schemas.state import OrderWatch
from schemas.status import SCANNED, Status
from schemas.types import format_utc
from streams.rules import RuleContext, rule


@rule
def shorten_protection_on_delivery(order: OrderWatch, ctx: RuleContext) -> tuple[OrderWatch, list[Output]]:
    latest = current_event(ctx.shipment.events)
    if latest is None or latest.status is not Status.DELIVERED or order.shortened_for is not None:
        return order, []
    delivered_at = latest.occurred_at
    fired_key = f"protection_shortened:{format_utc(delivered_at)}"
    ends_at = delivered_at + timedelta(days=ctx.settings.delivered_protection_days)
    if fired_key in order.fired or ends_at >= order.protection_ends_at:
        return order, []
    output = ProtectionAdjusted.build(
        type="protection_shortened",
        order_id=order.order_id,
        tracking_number=ctx.shipment.tracking_number,
        delivered_at=delivered_at,
        previous_ends_at=order.protection_ends_at,
        protection_ends_at=ends_at,
        reason=f"R1: delivered ({latest.raw_code or latest.status}) at {format_utc(delivered_at)}",
    )
    updated = order.model_copy(
        update={
            "protection_ends_at": ends_at,
            "ends_before_shortening": order.protection_ends_at,
            "shortened_for": delivered_at,
            "fired": order.fired | {fired_key},
        }
    )
    return updated, [output]


@rule
def restore_protection_when_delivery_contradicted(
    order: OrderWatch, ctx: RuleContext
) -> tuple[OrderWatch, list[Output]]:
    latest = current_event(ctx.shipment.events)
    delivered_at = order.shortened_for
    if delivered_at is None or order.ends_before_shortening is None or latest is None:
        return order, []
    if latest.status is Status.DELIVERED or latest.status not in SCANNED or latest.occurred_at <= delivered_at:
        return order, []
    output = ProtectionAdjusted.build(
        type="protection_restored",
        order_id=order.order_id,
        tracking_number=ctx.shipment.tracking_number,
        delivered_at=delivered_at,
        previous_ends_at=order.protection_ends_at,
        protection_ends_at=order.ends_before_shortening,
        reason=f"a {latest.status} scan at {format_utc(latest.occurred_at)} contradicts the delivery",
    )
    updated = order.model_copy(
        update={
            "protection_ends_at": order.ends_before_shortening,
            "shortened_for": None,
            "ends_before_shortening": None,
        }
    )
    return updated, [output]
