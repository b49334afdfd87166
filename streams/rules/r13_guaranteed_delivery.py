"""R13: the seller's guaranteed delivery time passed without a delivery: the buyer may be refunded."""

from schemas.state import OrderWatch
from streams.rules.base import RuleContext, Verdict, days, flag, wait_or_fire


def flag_guaranteed_delivery_missed(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R13: the seller's "delivery within N days" (from shipment) passed without a delivery."""
    if order.guaranteed_delivery_days is None:
        return Verdict(order)
    deadline = order.shipped_at + days(order.guaranteed_delivery_days)
    if ctx.facts.delivered_by(deadline):
        return Verdict(order)
    return wait_or_fire(
        order,
        ctx,
        "R13",
        deadline,
        lambda: [
            flag(
                order,
                ctx,
                "guaranteed_delivery_missed",
                deadline,
                guaranteed_delivery_days=order.guaranteed_delivery_days,
                status=ctx.facts.status,
            )
        ],
    )
