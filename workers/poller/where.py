"""Where a number is tracked right now, for `parcelwatch inspect`: polled directly (and when next), registered
with the aggregator (or waiting to be registered or stopped there), and the open orders that need it.
Read from the poller's Redis keys; nothing is changed."""

from datetime import datetime

from redis.asyncio import Redis

from schemas.types import format_utc
from workers.poller.orders import OpenOrders
from workers.poller.registrations import Registrations
from workers.poller.schedule import Schedule
from workers.settings import Settings


def _when(moment: datetime) -> str:
    return format_utc(moment)


async def tracked_where(redis: Redis, settings: Settings, number: str) -> list[str]:
    """One line per way the number is tracked, then its open orders; a single line when it is not tracked."""
    poller = settings.poller
    lines: list[str] = []
    schedule = Schedule(redis, poller.schedule_buckets)
    for carrier in poller.endpoints:
        (meta,) = await schedule.meta(carrier, [number])
        if meta is None:
            continue
        due = await schedule.due_at(carrier, number)
        lines.append(f"polled directly by {carrier}: " + (f"next poll {_when(due)}" if due else "being polled now"))
    if poller.routing.aggregator is not None:
        registrations = Registrations(redis, poller.routing.aggregator)
        aggregator, record = registrations.aggregator, await registrations.record(number)
        queued = await registrations.queued(number)
        if record is not None:
            as_carrier = f", as carrier {record.carrier}" if record.carrier else ""
            stopping = "; being stopped there" if queued == "stop" else ""
            lines.append(f"registered with {aggregator} since {_when(record.at)}{as_carrier}{stopping}")
        elif queued == "register":
            tries = await registrations.tries(number)
            lines.append(
                f"waiting to be registered with {aggregator}" + (f" ({tries} failed attempts)" if tries else "")
            )
    if not lines:
        lines.append("not tracked: neither polled directly nor registered with an aggregator")
    held = await OpenOrders(redis, 0).held(number)
    if held:
        orders = ", ".join(f"{order} (protection ends {_when(ends)})" for order, ends in sorted(held.items()))
        lines.append(f"needed by {len(held)} open order{'s' if len(held) > 1 else ''}: {orders}")
    return lines
