"""R14: fake or reused numbers: a wrong check digit, a first scan before the shipment, a delivery in another country."""

from carriers.detect import s10_check_fails
from schemas.state import OrderWatch
from schemas.types import format_utc
from streams.rules.base import RuleContext, Verdict, days, flag_once, moment_key


def flag_suspect_number(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R14: a number delivered in another country than the order's destination, whose first scan
    predates the shipment, or whose check digit is wrong: each flagged once."""
    verdict = Verdict(order)
    for check in (_delivered_elsewhere, _scanned_before_shipment, _invalid_check_digit):
        step = check(verdict.order, ctx)
        verdict = Verdict(step.order, [*verdict.outputs, *step.outputs])
    return verdict


def _invalid_check_digit(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R14: a UPU S10 number whose check digit is wrong cannot be a real item: flagged at once."""
    if not s10_check_fails(ctx.tracking_number):
        return Verdict(order)
    key = f"R14:invalid:{ctx.tracking_number}"
    return flag_once(
        order, ctx, key, "invalid_tracking_number", order.tracking_since, format="UPU S10", check_digit="wrong"
    )


def _scanned_before_shipment(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R14: a number whose first scan predates the shipment by more than a day is reused or fake."""
    first = ctx.facts.first_scan
    if first is None or first.occurred_at >= order.shipped_at - days(ctx.settings.shipment_predates_days):
        return Verdict(order)
    return flag_once(
        order,
        ctx,
        "R14:predates",
        "tracking_number_predates_shipment",
        order.shipped_at,
        first_scan_at=format_utc(first.occurred_at),
        shipped_at=format_utc(order.shipped_at),
    )


def _delivered_elsewhere(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R14: delivered in a country other than the order's destination."""
    delivered = ctx.facts.delivered
    if delivered is None or not delivered.country or delivered.country == order.destination_country:
        return Verdict(order)
    return flag_once(
        order,
        ctx,
        moment_key("R14:destination", delivered.occurred_at),
        "destination_mismatch",
        delivered.occurred_at,
        delivered_country=delivered.country,
        destination_country=order.destination_country,
        **({"time_inferred": True} if delivered.time_inferred else {}),
    )
