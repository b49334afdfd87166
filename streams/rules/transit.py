"""Rules about where a parcel is and what its number says: R5 (stuck in export), R7 (tracked only in
the origin country), R15 (waiting at a pickup point) and R14 (a number scanned before the order
shipped, or whose check digit is wrong)."""

from carriers.detect import s10_check_fails
from schemas.state import OrderWatch
from schemas.status import Status
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
    wait_or_fire,
)


def flag_stuck_in_export(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R5: export can take a month; never alarm before N days in export."""
    since = ctx.facts.stage_since(Status.EXPORT)
    if since is None:
        return Verdict(order)
    deadline = since + days(ctx.settings.stuck_in_export_days)
    return wait_or_fire(
        order,
        ctx,
        moment_key("R5", since),
        deadline,
        lambda: [flag(order, ctx, "stuck_in_export", deadline, export_since=format_utc(since))],
    )


def flag_origin_only_tracking(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R7: tracking stopped after export and never showed import: tracked in the origin country only."""
    current = ctx.facts.current
    if current is None or current.status is not Status.EXPORT or ctx.facts.ever_imported:
        return Verdict(order)
    deadline = current.occurred_at + days(ctx.settings.origin_only_silence_days)
    return wait_or_fire(
        order,
        ctx,
        "R7",
        deadline,
        lambda: [flag(order, ctx, "origin_only_tracking", deadline, last_scan_at=format_utc(current.occurred_at))],
    )


def remind_parcel_awaiting_pickup(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R15: parcels left at the post office go back after ~30 days: remind the buyer at 25."""
    since = ctx.facts.stage_since(Status.AVAILABLE_FOR_PICKUP)
    if since is None:
        return Verdict(order)
    deadline = since + days(ctx.settings.pickup_reminder_days)
    returns_at = since + days(ctx.settings.pickup_return_days)
    return wait_or_fire(
        order,
        ctx,
        moment_key("R15", since),
        deadline,
        lambda: [
            notify(
                order,
                ctx,
                "awaiting_pickup",
                returns_at,
                available_since=format_utc(since),
                location=ctx.facts.current.location,
            )
        ],
    )


def flag_number_scanned_before_shipment(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R14: a number whose first scan predates the shipment by more than a day is reused or fake."""
    first = ctx.facts.first_scan
    if first is None or first.occurred_at >= order.shipped_at - days(ctx.settings.shipment_predates_days):
        return Verdict(order)
    key = "R14:predates"
    if fired(order, key) or not may_raise(order, ctx.now):
        return Verdict(order)
    output = flag(
        order,
        ctx,
        "tracking_number_predates_shipment",
        order.shipped_at,
        first_scan_at=format_utc(first.occurred_at),
        shipped_at=format_utc(order.shipped_at),
    )
    return Verdict(remember(order, key), [output])


def flag_invalid_tracking_number(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R14: a UPU S10 number whose check digit is wrong cannot be a real item: flagged at once."""
    key = f"R14:invalid:{ctx.tracking_number}"
    if fired(order, key) or not s10_check_fails(ctx.tracking_number) or not may_raise(order, ctx.now):
        return Verdict(order)
    output = flag(order, ctx, "invalid_tracking_number", order.tracking_since, format="UPU S10", check_digit="wrong")
    return Verdict(remember(order, key), [output])
