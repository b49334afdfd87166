"""R9: a buyer with an open "not received" dispute is told on delivery what to do within N days."""

from schemas.state import OrderWatch
from streams.rules.base import RuleContext, Verdict, delivery_notice


def notify_delivery_to_disputing_buyer(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R9: delivered while a "not received" dispute is open: cancel it if received, else act within N days."""
    return delivery_notice(order, ctx, open_dispute=True)
