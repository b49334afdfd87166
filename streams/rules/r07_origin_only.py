"""R7: tracking that stops after export and never shows import: tracked in the origin country only."""

from schemas.state import OrderWatch
from schemas.status import Status
from schemas.types import format_utc
from streams.rules.base import RuleContext, Verdict, days, flag, wait_or_fire


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
