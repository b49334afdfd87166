"""R8: N days before protection ends and not delivered: extend protection or open a dispute."""

from schemas.state import OrderWatch
from schemas.types import format_utc
from streams.rules.base import RuleContext, Verdict, days, notify, wait_or_fire


def warn_protection_ending(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R8: N days before protection ends and not delivered: extend protection or open a dispute."""
    deadline = order.protection_ends_at - days(ctx.settings.protection_ending_days)
    if ctx.facts.delivered_by(deadline):
        return Verdict(order)
    return wait_or_fire(
        order,
        ctx,
        f"R8@{format_utc(order.protection_ends_at)}",
        deadline,
        lambda: [notify(order, ctx, "protection_ending_soon", order.protection_ends_at, status=ctx.facts.status)],
    )
