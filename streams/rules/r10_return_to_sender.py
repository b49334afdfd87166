"""R10: a parcel going back to the seller is the moment the buyer may open a dispute."""

from schemas.state import OrderWatch
from schemas.status import Status
from schemas.types import format_utc
from streams.rules.base import RuleContext, Verdict, fired, flag, may_raise, notify, remember

RETURN_FLAGS = {Status.RETURNING_TO_SENDER: "returning_to_sender", Status.RETURNED_TO_SENDER: "returned_to_sender"}


def flag_and_notify_return(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R10: one flag per return stage; one notification per order, open dispute or not."""
    current = ctx.facts.current
    name = RETURN_FLAGS.get(current.status) if current else None
    if name is None or not may_raise(order, ctx.now):
        return Verdict(order)
    outputs, keys = [], []
    if not fired(order, f"R10:{name}"):
        keys.append(f"R10:{name}")
        outputs.append(flag(order, ctx, name, current.occurred_at, location=current.location))
    if not fired(order, "R10:parcel_returning"):
        keys.append("R10:parcel_returning")
        facts = {"status": name, "since": format_utc(current.occurred_at)}
        if order.dispute is not None and order.dispute.open:
            facts["dispute_id"] = order.dispute.dispute_id
        outputs.append(notify(order, ctx, "parcel_returning", order.protection_ends_at, **facts))
    return Verdict(remember(order, *keys), outputs) if keys else Verdict(order)
