"""When to ask a carrier about a number again: a pure function of the number's stage and `now`.

    no scan yet (nothing, a notice or unknown codes)  every 6 h until R3's deadline (15 days after
                                                      shipment), then every 24 h
    in transit, returning to sender, exception        every 12 h
    export                                            every 24 h (R5: export is the long stage)
    import, out for delivery, awaiting pickup,        every hour
    failed delivery
    delivered, returned to sender                     every 12 h for a 2-day grace (a later scan may
                                                      contradict the delivery), then stop
    no new event for 30 days (90 in export)           stop (17TRACK's rule)

Every number is a setting (`CadenceSettings`). A stopped number is resumed by a new registration
or status change. Each interval is shortened by up to `jitter` of itself, by a fraction drawn from
the tracking number, so numbers registered together drift apart instead of polling in lockstep.
"""

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas.status import SCANNED, Status
from workers.settings import CadenceSettings

LAST_MILE = frozenset({Status.IMPORT, Status.OUT_FOR_DELIVERY, Status.AVAILABLE_FOR_PICKUP, Status.DELIVERY_FAILED})
FINAL = frozenset({Status.DELIVERED, Status.RETURNED_TO_SENDER})


@dataclass(frozen=True, slots=True)
class Stage:
    """What the poller knows of a number: enough to pace it."""

    status: Status | None
    """The shipment's status, None before any event."""
    shipped_at: datetime
    last_change: datetime
    """When a new event last appeared (or the number was registered)."""


def interval(stage: Stage, now: datetime, cadence: CadenceSettings) -> timedelta | None:
    """The time between two polls at this stage, or None when polling should stop."""
    status = stage.status
    unchanged = now - stage.last_change
    stop_after = cadence.export_stop_unchanged_days if status is Status.EXPORT else cadence.stop_unchanged_days
    if unchanged >= timedelta(days=stop_after):
        return None
    if status in FINAL:
        if unchanged >= timedelta(days=cadence.final_grace_days):
            return None
        return timedelta(hours=cadence.final_every_h)
    if status is None or status not in SCANNED:
        if now - stage.shipped_at < timedelta(days=cadence.unscanned_fast_days):
            return timedelta(hours=cadence.unscanned_every_h)
        return timedelta(hours=cadence.unscanned_slow_every_h)
    if status is Status.EXPORT:
        return timedelta(hours=cadence.export_every_h)
    if status in LAST_MILE:
        return timedelta(hours=cadence.last_mile_every_h)
    return timedelta(hours=cadence.in_transit_every_h)


def spread(tracking_number: str) -> float:
    """A stable fraction in [0, 1) drawn from the number."""
    return (zlib.crc32(tracking_number.encode()) % 10_000) / 10_000


def next_poll(tracking_number: str, stage: Stage, now: datetime, cadence: CadenceSettings) -> datetime | None:
    """When to poll `tracking_number` next, or None to stop polling it."""
    every = interval(stage, now, cadence)
    if every is None:
        return None
    return now + every * (1 - cadence.jitter * spread(tracking_number))
