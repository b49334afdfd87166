"""R11: delivered, but the buyer may not have it: told on delivery, so they can dispute in time."""

from schemas.state import OrderWatch
from streams.rules.base import RuleContext, Verdict, delivery_notice


def notify_delivery_to_buyer(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R11: delivered and no "not received" dispute open: the buyer has N days if they do not have it."""
    return delivery_notice(order, ctx, open_dispute=False)
