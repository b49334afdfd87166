"""R5: export can take a month or more: never alarm before N days in export, then flag it."""

from schemas.state import OrderWatch
from schemas.status import Status
from schemas.types import format_utc
from streams.rules.base import RuleContext, Verdict, days, flag, moment_key, wait_or_fire


def flag_stuck_in_export(order: OrderWatch, ctx: RuleContext) -> Verdict:
    """R5: export can take a month; never alarm before N days in export."""
    since = ctx.facts.stage_since(Status.EXPORT)
    if since is None:
        return Verdict(order)
    deadline = since + days(ctx.settings.stuck_in_export_days)
    return wait_or_fire(
        order,
        ctx,
        moment_key("R5", since),
        deadline,
        lambda: [flag(order, ctx, "stuck_in_export", deadline, export_since=format_utc(since))],
    )
