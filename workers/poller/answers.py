"""A poll answer split per tracking number, and the hash that says whether a number's events changed.

`tracking.raw.v1` is keyed by tracking number and a raw record changes only its key's state, so an
answer about 40 numbers (17TRACK), 30 (FedEx) or 10 (Cainiao) is cut into one payload per number
by the carrier's adapter (`Carrier.split`), each in the carrier's own format: the same envelope
with only that number's entries. Only the parts about numbers that were asked are used.
"""

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from carriers.base import get_carrier, normalise
from schemas.event import TrackingEvent


def answer_parts(carrier: str, payload: Any, asked: Sequence[str]) -> dict[str, Any]:
    """The part of `payload` about each asked number that the answer mentions. Raise `PayloadInvalid`."""
    wanted = set(asked)
    return {number: part for number, part in get_carrier(carrier).split(payload).items() if number in wanted}


def number_events(carrier: str, part: Any, text_threshold: float, received_at: datetime) -> tuple[TrackingEvent, ...]:
    """Every canonical event of a number's part of an answer, ordered by carrier time; events whose
    time cannot be a scan's (`normalise`) are left out, as the stream leaves them out."""
    shipments = normalise(carrier, part, text_threshold=text_threshold, received_at=received_at)
    events = [event for shipment in shipments for event in shipment.events]
    return tuple(sorted(events, key=TrackingEvent.order_key))


def events_hash(events: Sequence[TrackingEvent]) -> int:
    """A 64-bit digest of the events (never 0, which means "not polled yet")."""
    canonical = sorted(orjson.dumps(event.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS) for event in events)
    digest = int.from_bytes(hashlib.blake2b(b"\n".join(canonical), digest_size=8).digest(), "little")
    return digest or 1
