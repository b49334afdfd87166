"""One carrier event in canonical form, and the shipment status derived from a history of them."""

from collections.abc import Iterable
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

    def identity(self) -> tuple:
        """Events with the same carrier, code, instant and location are one event (BRIEF §2)."""
        return (self.carrier, self.raw_code or self.status.value, self.occurred_at, self.location)

    def order_key(self) -> tuple:
        return (self.occurred_at, JOURNEY_RANK[self.status])


def merge_events(
    history: tuple[TrackingEvent, ...], new: Iterable[TrackingEvent]
) -> tuple[tuple[TrackingEvent, ...], tuple[TrackingEvent, ...]]:
    """Add `new` to a history ordered by carrier time; return the history and the events it did not hold yet."""
    seen = {event.identity() for event in history}
    added: list[TrackingEvent] = []
    for event in new:
        key = event.identity()
        if key not in seen:
            seen.add(key)
            added.append(event)
    if not added:
        return history, ()
    return tuple(sorted((*history, *added), key=TrackingEvent.order_key)), tuple(added)


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
    chosen: TrackingEvent | None = None
    returning = False
    for event in history:
        if event.status is Status.UNKNOWN and chosen is not None and chosen.status is not Status.UNKNOWN:
            continue
        if event.status is Status.INFO_RECEIVED and chosen is not None and chosen.status in SCANNED:
            continue
        if returning and event.status is Status.DELIVERED:
            event = event.model_copy(update={"status": Status.RETURNED_TO_SENDER, "substatus": "delivered_to_sender"})
        elif returning and event.status in RETURN_JOURNEY:
            event = event.model_copy(
                update={"status": Status.RETURNING_TO_SENDER, "substatus": f"return_{event.status.value}"}
            )
        returning = returning or event.status is Status.RETURNING_TO_SENDER
        chosen = event
    return chosen


def derive_status(history: Iterable[TrackingEvent]) -> Status | None:
    """Shipment-level status: the status of `current_event`, the same rule used for every event."""
    event = current_event(history)
    return event.status if event else None
