"""R2: numbers are usually tracked within N days of shipment; no scan by then → the seller is asked to check it."""

from schemas.state import OrderWatch
from schemas.types import format_utc
from streams.rules.base import RuleContext, Verdict, days, flag, low_value, wait_or_fire
from streams.rules.r06_number_works import number_works_by


def ask_seller_to_check_number(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R2: no carrier scan N days after the number became the order's."""
    deadline = order.tracking_since + days(ctx.settings.seller_check_days)
    if low_value(order, ctx) or number_works_by(ctx.facts, deadline):
        return Verdict(order)
    return wait_or_fire(
        order,
        ctx,
        f"R2:{ctx.tracking_number}",
        deadline,
        lambda: [
            flag(
                order,
                ctx,
                "tracking_unreadable_seller_check",
                deadline,
                tracking_since=format_utc(order.tracking_since),
            )
        ],
    )
