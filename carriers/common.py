"""What several carrier adapters read alike: a shipment's events kept in several lists, an event's country
written as an ISO code, and a place written in parts."""

from collections.abc import Callable, Iterable
from typing import Any

from carriers.base import RefusedEvent, read_events
from schemas.event import TrackingEvent


def read_event_lists(
    lists: Iterable[tuple[Iterable[Any], Callable[[Any], TrackingEvent]]], code: Callable[[Any], str | None]
) -> tuple[tuple[TrackingEvent, ...], tuple[RefusedEvent, ...]]:
    """`read_events` over each of a shipment's event lists (FedEx's track results, 17TRACK's providers,
    TrackingMore's couriers), each list with its own `make`: the events and refusals of all, in order."""
    events: list[TrackingEvent] = []
    refused: list[RefusedEvent] = []
    for items, make in lists:
        kept, left_out = read_events(items, make, code)
        events.extend(kept)
        refused.extend(left_out)
    return tuple(events), tuple(refused)


def iso_country(code: str | None) -> str | None:
    """`code` when it is written as an ISO 3166-1 alpha-2 code (two capital letters), else None."""
    return code if code and len(code) == 2 and code.isalpha() and code.isupper() else None


def joined(separator: str, *parts: str | None) -> str | None:
    """The parts that are there (not None, not empty), joined by `separator`; None when none is."""
    return separator.join(part for part in parts if part) or None
