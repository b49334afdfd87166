"""R1: a delivery scan cuts the order's protection to N days after it (never lengthens it); a physical
scan after the delivery (returning, in transit, ...) contradicts the delivery and gives the window back."""

from schemas.outputs import ProtectionAdjusted
from schemas.state import OrderWatch, evolve
from schemas.status import SCANNED, Status
from schemas.types import format_utc
from streams.rules.base import RuleContext, Verdict, days, fired, may_raise, moment_key, remember


def delivery_cuts_protection(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R1: delivered → protection ends N days after the delivery scan; contradicted → restored."""
    if order.shortened_for is None:
        return _shorten(order, ctx)
    return _restore(order, ctx)


def _shorten(order: OrderWatch, ctx: RuleContext) -> Verdict:
    delivered = ctx.facts.delivered
    if delivered is None or not may_raise(order, ctx.now):
        return Verdict(order)
    key = moment_key("R1", delivered.occurred_at)
    ends_at = delivered.occurred_at + days(ctx.settings.delivered_protection_days)
    if fired(order, key) or ends_at >= order.protection_ends_at:
        return Verdict(order)
    output = ProtectionAdjusted.build(
        type="protection_shortened",
        order_id=order.order_id,
        tracking_number=ctx.tracking_number,
        delivered_at=delivered.occurred_at,
        previous_ends_at=order.protection_ends_at,
        protection_ends_at=ends_at,
        reason=f"R1: delivered ({delivered.raw_code or delivered.status}) at {format_utc(delivered.occurred_at)}",
        time_inferred=delivered.time_inferred,
    )
    updated = remember(
        order,
        key,
        protection_ends_at=ends_at,
        ends_before_shortening=order.protection_ends_at,
        shortened_for=delivered.occurred_at,
    )
    return Verdict(updated, [output])


def _restore(order: OrderWatch, ctx: RuleContext) -> Verdict:
    latest, delivered_at = ctx.facts.current, order.shortened_for
    if delivered_at is None or order.ends_before_shortening is None or latest is None or order.closed:
        return Verdict(order)
    if latest.status is Status.DELIVERED or latest.status not in SCANNED or latest.occurred_at <= delivered_at:
        return Verdict(order)
    if ctx.now >= order.ends_before_shortening:
        return Verdict(order)
    output = ProtectionAdjusted.build(
        type="protection_restored",
        order_id=order.order_id,
        tracking_number=ctx.tracking_number,
        delivered_at=delivered_at,
        previous_ends_at=order.protection_ends_at,
        protection_ends_at=order.ends_before_shortening,
        reason=f"a {latest.status} scan at {format_utc(latest.occurred_at)} contradicts the delivery",
    )
    updated = evolve(
        order, protection_ends_at=order.ends_before_shortening, shortened_for=None, ends_before_shortening=None
    )
    return Verdict(updated, [output])
