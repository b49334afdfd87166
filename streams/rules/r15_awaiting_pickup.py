"""R15: parcels left at a pickup point go back after ~30 days: the buyer is reminded at 25."""

from schemas.state import OrderWatch
from schemas.status import Status
from schemas.types import format_utc
from streams.rules.base import RuleContext, Verdict, days, moment_key, notify, wait_or_fire


def remind_parcel_awaiting_pickup(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R15: parcels left at the post office go back after ~30 days: remind the buyer at 25."""
    since = ctx.facts.stage_since(Status.AVAILABLE_FOR_PICKUP)
    if since is None:
        return Verdict(order)
    deadline = since + days(ctx.settings.pickup_reminder_days)
    returns_at = since + days(ctx.settings.pickup_return_days)
    return wait_or_fire(
        order,
        ctx,
        moment_key("R15", since),
        deadline,
        lambda: [
            notify(
                order,
                ctx,
                "awaiting_pickup",
                returns_at,
                available_since=format_utc(since),
                location=ctx.facts.current.location,
            )
        ],
    )
