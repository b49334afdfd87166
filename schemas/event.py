"""One carrier event in canonical form, and the shipment status derived from a history of them."""

from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import Field

from schemas.status import JOURNEY_RANK, SCANNED, Status
from schemas.types import Frozen, Timestamp


class TrackingEvent(Frozen):
    status: Status
    substatus: str | None = None
    occurred_at: Timestamp
    country: str | None = None
    location: str | None = None
    description: str | None = None
    raw_code: str | None = None
    carrier: str
    status_source: Literal["carrier", "text"] = Field(
        "carrier", description="carrier: from the carrier's code or status; text: classified from the description"
    )
    confidence: float | None = Field(None, description="the text classifier's confidence, when status_source is text")
    time_inferred: bool = Field(
        False,
        description="the carrier gave the time without a UTC offset; parcelwatch placed it in the zone of the"
        " event's country or the carrier's home zone (carriers/times.py)",
    )

    def identity(self) -> tuple:
        """Events with the same carrier, code, instant and location are one event (BRIEF §2)."""
        return (self.carrier, self.raw_code or self.status, self.occurred_at, self.location)

    def order_key(self) -> tuple:
        """Carrier time, then the stage further along the journey; events at the same time and stage
        by their identity, so a history's order never depends on the order its events arrived in."""
        return (
            self.occurred_at,
            JOURNEY_RANK[self.status],
            self.carrier,
            self.raw_code or self.status,
            self.location or "",
        )


def merge_events(
    history: tuple[TrackingEvent, ...], new: Iterable[TrackingEvent]
) -> tuple[tuple[TrackingEvent, ...], tuple[TrackingEvent, ...]]:
    """Add `new` to a history ordered by carrier time; return the history and the events it did not hold yet."""
    latest = history[-1].occurred_at if history else None
    held: set[tuple] | None = None  # the history's identities, needed only for an event not later than all of it
    seen: set[tuple] = set()
    added: list[TrackingEvent] = []
    for event in new:
        key = event.identity()
        if key in seen:
            continue
        if latest is not None and event.occurred_at <= latest:
            if held is None:
                held = {event.identity() for event in history}
            if key in held:
                continue
        seen.add(key)
        added.append(event)
    if not added:
        return history, ()
    ordered = sorted(added, key=TrackingEvent.order_key)
    if history and ordered[0].order_key() < history[-1].order_key():
        ordered = sorted((*history, *added), key=TrackingEvent.order_key)
        return tuple(ordered), tuple(added)
    return (*history, *ordered), tuple(added)


def kept_events(history: Sequence[TrackingEvent], limit: int) -> tuple[TrackingEvent, ...]:
    """What a shipment's state keeps of a history ordered by carrier time: its latest `limit` events
    and, of the earlier ones, those a fact about the whole history rests on: the event that gives the
    status (`current_event`: the latest scan, or without one the latest notice), the first scan, the
    first import scan, the first returning-to-sender scan, and the first scan of the run of same-status
    scans the latest scan ends, with the scan before that run.

    The status and every fact the rules read (`streams.rules.Facts`) are the same over the kept events
    as over the whole history. New events are merged into the kept events and the result kept again,
    so one that sorts before them all and is none of the above is left out at once: most often an
    event already counted that a poll answer (which holds the whole history) repeats, and left out it
    changes nothing. One loss: a scan of another status that arrives late inside a run of same-status
    scans whose earlier ones were left out ends the run there, and the stage (R5, R15) then counts
    from the first scan of the run the state still holds, later than the truth, until the carrier
    sends the left-out scans again.
    """
    if len(history) <= limit:
        return tuple(history)
    first_scan = first_import = first_return = last_scan = run_start = before_run = None
    last_notice = last_unknown = None
    for index, event in enumerate(history):
        status = event.status
        if status is Status.INFO_RECEIVED:
            last_notice = index
        elif status is Status.UNKNOWN:
            last_unknown = index
        else:
            if first_scan is None:
                first_scan = index
            if first_import is None and status is Status.IMPORT:
                first_import = index
            if first_return is None and status is Status.RETURNING_TO_SENDER:
                first_return = index
            if last_scan is None or history[last_scan].status is not status:
                before_run, run_start = last_scan, index
            last_scan = index
    status_from = last_scan if last_scan is not None else last_notice if last_notice is not None else last_unknown
    earlier = {status_from, first_scan, first_import, first_return, run_start, before_run}
    start = len(history) - limit
    kept = sorted(index for index in earlier if index is not None and index < start)
    return tuple(history[index] for index in kept) + tuple(history[start:])


#: Movement scans that, after a return began, are part of the way back.
RETURN_JOURNEY = frozenset(
    {
        Status.IN_TRANSIT,
        Status.EXPORT,
        Status.IMPORT,
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERY_FAILED,
        Status.AVAILABLE_FOR_PICKUP,
    }
)


def current_event(history: Iterable[TrackingEvent]) -> TrackingEvent | None:
    """The event that gives a shipment its status.

    The latest event by carrier time, except that an `unknown` event never sets the status,
    an `info_received` notice never overrides a real scan, and a `delivered` parcel stays
    delivered until a later physical scan (not a notice) contradicts it.

    Once a parcel has started back to its sender, its later movement scans are the way back
    (`returning_to_sender`, the scan's own status kept as substatus `return_<status>`), and a
    delivery scan is the delivery to the sender (`returned_to_sender`: postal operators such as
    USPS report it with their ordinary delivery code).
    """
    latest_scan = latest_notice = latest_unknown = None
    turned_back = returning = False  # turned_back: the parcel had started back before the latest scan
    for event in history:
        status = event.status
        if status in SCANNED:
            latest_scan, turned_back = event, returning
            returning = returning or status is Status.RETURNING_TO_SENDER
        elif status is Status.INFO_RECEIVED:
            latest_notice = event
        else:
            latest_unknown = event
    if latest_scan is None:
        return latest_notice if latest_notice is not None else latest_unknown
    if turned_back and latest_scan.status is Status.DELIVERED:
        return latest_scan.model_copy(update={"status": Status.RETURNED_TO_SENDER, "substatus": "delivered_to_sender"})
    if turned_back and latest_scan.status in RETURN_JOURNEY:
        return latest_scan.model_copy(
            update={"status": Status.RETURNING_TO_SENDER, "substatus": f"return_{latest_scan.status.value}"}
        )
    return latest_scan


def derive_status(history: Iterable[TrackingEvent]) -> Status | None:
    """Shipment-level status: the status of `current_event`, the same rule used for every event."""
    event = current_event(history)
    return event.status if event else None
