"""R3: still no scan N days after shipment → "tracking number not readable": the buyer may dispute."""

from schemas.state import OrderWatch
from schemas.types import format_utc
from streams.rules.base import RuleContext, Verdict, days, flag, low_value, notify, wait_or_fire
from streams.rules.r06_number_works import number_works_by


def declare_number_unreadable(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R3: still no scan N days after: the buyer may dispute with "tracking number not readable"."""
    deadline = order.tracking_since + days(ctx.settings.unreadable_days)
    if low_value(order, ctx) or number_works_by(ctx.facts, deadline):
        return Verdict(order)
    since = format_utc(order.tracking_since)
    return wait_or_fire(
        order,
        ctx,
        f"R3:{ctx.tracking_number}",
        deadline,
        lambda: [
            flag(order, ctx, "tracking_unreadable", deadline, tracking_since=since),
            notify(order, ctx, "tracking_unreadable_can_dispute", order.protection_ends_at, tracking_since=since),
        ],
    )
