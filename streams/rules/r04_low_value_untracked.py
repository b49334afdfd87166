"""R4: orders under a value often ship untracked: no R2/R3 for them, one flag when protection is nearly over."""

from schemas.state import OrderWatch
from streams.rules.base import RuleContext, Verdict, days, flag, low_value, wait_or_fire
from streams.rules.r06_number_works import number_works_by


def flag_low_value_untracked(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R4: a low-value order, still unscanned with N days of protection left: one flag."""
    deadline = order.protection_ends_at - days(ctx.settings.low_value_days_left)
    if not low_value(order, ctx) or number_works_by(ctx.facts, deadline):
        return Verdict(order)
    return wait_or_fire(
        order,
        ctx,
        "R4",
        deadline,
        lambda: [flag(order, ctx, "low_value_untracked", deadline, order_value_usd=str(order.order_value_usd))],
    )
