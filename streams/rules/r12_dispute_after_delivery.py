"""R12: a "not received" dispute opened after tracking showed the parcel delivered."""

from schemas.state import OrderWatch
from schemas.types import format_utc
from streams.rules.base import RuleContext, Verdict, flag_once


def flag_dispute_after_delivery(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R12: a fraud-risk signal for case management, not a verdict."""
    dispute, delivered = order.dispute, ctx.facts.delivered
    if dispute is None or not dispute.open_not_received or delivered is None:
        return Verdict(order)
    if dispute.opened_at <= delivered.occurred_at:
        return Verdict(order)
    return flag_once(
        order,
        ctx,
        f"R12:{dispute.dispute_id}",
        "dispute_conflicts_with_delivery",
        dispute.opened_at,
        dispute_id=dispute.dispute_id,
        delivered_at=format_utc(delivered.occurred_at),
        delivered_location=delivered.location,
        **({"time_inferred": True} if delivered.time_inferred else {}),
    )
