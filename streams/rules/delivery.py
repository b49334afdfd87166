"""Rules about a delivery scan: R1 (protection cut short, and given back when contradicted),
R9 and R11 (the buyer told in time to act), R14 (delivered in another country)."""

from schemas.outputs import ProtectionAdjusted
from schemas.state import OrderWatch, evolve
from schemas.status import SCANNED, Status
from schemas.types import format_utc
from streams.rules.base import (
    RuleContext,
    Verdict,
    days,
    fired,
    flag,
    may_raise,
    moment_key,
    notify,
    remember,
)


def shorten_protection_on_delivery(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R1: delivered → protection ends N days after the delivery scan, never later than it did."""
    delivered = ctx.facts.delivered
    if delivered is None or order.shortened_for is not None or not may_raise(order, ctx.now):
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


def restore_protection_when_delivery_contradicted(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """A physical scan after the delivery scan (returning, in transit, …) gives the window back."""
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


def notify_buyer_of_delivery(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R9 (an open "not received" dispute) or R11 (no such dispute): the buyer has N days to act.

    Which one depends on the dispute, so it waits until the order side has said whether there is one.
    One notice per deadline: carriers often send "delivered" twice (a scan, then the signature),
    and the second changes nothing the buyer must do (protection already ends at the first + N days).
    """
    delivered = ctx.facts.delivered
    if delivered is None or not order.linked:
        return Verdict(order)
    # the buyer acts within N days of the delivery, and never after protection ends (R1 never lengthens it)
    deadline = min(delivered.occurred_at + days(ctx.settings.act_after_delivery_days), order.protection_ends_at)
    key = moment_key("delivery_notice", deadline)
    if fired(order, key) or not may_raise(order, ctx.now):
        return Verdict(order)
    facts = {"delivered_at": format_utc(delivered.occurred_at), "location": delivered.location}
    if delivered.time_inferred:
        facts["time_inferred"] = True  # delivered_at was given without an offset (carriers/times.py)
    if order.dispute is not None and order.dispute.open_not_received:
        template = "delivered_open_dispute"
        facts["dispute_id"] = order.dispute.dispute_id
    else:
        template = "delivered_check_receipt"
    return Verdict(remember(order, key), [notify(order, ctx, template, deadline, **facts)])


def flag_delivery_in_another_country(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R14: delivered in a country other than the order's destination."""
    delivered = ctx.facts.delivered
    if delivered is None or not delivered.country or delivered.country == order.destination_country:
        return Verdict(order)
    key = moment_key("R14:destination", delivered.occurred_at)
    if fired(order, key) or not may_raise(order, ctx.now):
        return Verdict(order)
    output = flag(
        order,
        ctx,
        "destination_mismatch",
        delivered.occurred_at,
        delivered_country=delivered.country,
        destination_country=order.destination_country,
        **({"time_inferred": True} if delivered.time_inferred else {}),
    )
    return Verdict(remember(order, key), [output])
