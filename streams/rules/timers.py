"""Rules that fire when a deadline passes with nothing having happened: R2, R3 and R4 (a number
that never scans), R8 (protection about to end) and R13 (guaranteed delivery time missed).

Each raises with `raised_at` / `deadline` at the deadline itself, whenever it is noticed.
"""

from schemas.state import OrderWatch
from schemas.types import format_utc
from streams.rules.base import RuleContext, Verdict, days, flag, notify, wait_or_fire


def low_value(order: OrderWatch, ctx: RuleContext) -> bool:
    return order.order_value_usd < ctx.settings.low_value_usd


def ask_seller_to_check_number(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R2: no carrier scan N days after the number became the order's."""
    deadline = order.tracking_since + days(ctx.settings.seller_check_days)
    if low_value(order, ctx) or ctx.facts.scanned_by(deadline):
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


def declare_number_unreadable(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R3: still no scan N days after: the buyer may dispute with "tracking number not readable"."""
    deadline = order.tracking_since + days(ctx.settings.unreadable_days)
    if low_value(order, ctx) or ctx.facts.scanned_by(deadline):
        return Verdict(order)
    since = format_utc(order.tracking_since)
    return wait_or_fire(
        order,
        ctx,
        f"R3:{ctx.tracking_number}",
        deadline,
        lambda: [
            flag(order, ctx, "tracking_unreadable", deadline, tracking_since=since),
            notify(order, ctx, "tracking_unreadable_can_dispute", order.protection_ends_at, tracking_since=since),
        ],
    )


def flag_low_value_untracked(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R4: a low-value order, still unscanned with N days of protection left: one flag."""
    deadline = order.protection_ends_at - days(ctx.settings.low_value_days_left)
    if not low_value(order, ctx) or ctx.facts.scanned_by(deadline):
        return Verdict(order)
    return wait_or_fire(
        order,
        ctx,
        "R4",
        deadline,
        lambda: [flag(order, ctx, "low_value_untracked", deadline, order_value_usd=str(order.order_value_usd))],
    )


def warn_protection_ending(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R8: N days before protection ends and not delivered: extend protection or open a dispute."""
    deadline = order.protection_ends_at - days(ctx.settings.protection_ending_days)
    delivered = ctx.facts.delivered
    if delivered is not None and delivered.occurred_at <= deadline:
        return Verdict(order)
    return wait_or_fire(
        order,
        ctx,
        f"R8@{format_utc(order.protection_ends_at)}",
        deadline,
        lambda: [notify(order, ctx, "protection_ending_soon", order.protection_ends_at, status=ctx.facts.status)],
    )


def flag_guaranteed_delivery_missed(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R13: the seller's "delivery within N days" (from shipment) passed without a delivery."""
    if order.guaranteed_delivery_days is None:
        return Verdict(order)
    deadline = order.shipped_at + days(order.guaranteed_delivery_days)
    delivered = ctx.facts.delivered
    if delivered is not None and delivered.occurred_at <= deadline:
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
