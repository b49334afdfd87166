"""R8: N days before protection ends and not delivered: extend protection or open a dispute."""

from schemas.state import OrderWatch
from schemas.types import format_utc
from streams.rules.base import RuleContext, Verdict, days, notify, wait_or_fire


def warn_protection_ending(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R8: N days before protection ends and not delivered: extend protection or open a dispute.
    Where a delivery estimate is known, the notice says when the parcel will probably come and
    whether p80 falls after protection ends (then extending is likely needed)."""
    deadline = order.protection_ends_at - days(ctx.settings.protection_ending_days)
    if ctx.facts.delivered_by(deadline):
        return Verdict(order)

    def fire():
        facts = {"status": ctx.facts.status}
        if ctx.eta is not None:
            facts["eta"] = {
                "p50_at": format_utc(ctx.eta.p50_at),
                "p80_at": format_utc(ctx.eta.p80_at),
                "p80_after_protection_ends": ctx.eta.p80_at > order.protection_ends_at,
                "basis": ctx.eta.basis,
                "estimated_at": format_utc(ctx.eta.estimated_at),
            }
        return [notify(order, ctx, "protection_ending_soon", order.protection_ends_at, **facts)]

    return wait_or_fire(order, ctx, f"R8@{format_utc(order.protection_ends_at)}", deadline, fire)
