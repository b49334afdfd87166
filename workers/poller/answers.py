"""A poll answer split per tracking number, and the hash that says whether a number's events changed.

`tracking.raw.v1` is keyed by tracking number and the stream applies every shipment of a record's
payload to that record's key's partition, so an answer about 40 numbers (17TRACK), 30 (FedEx) or
10 (Cainiao) is cut into one payload per number, each in the carrier's own format: the same
envelope with only that number's entry. The adapter reads every part (`tracking_numbers`) before
it is used. An answer about one number is kept whole.
"""

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from carriers.base import ParsedShipment, PayloadInvalid, get_carrier, normalise
from schemas.event import TrackingEvent


def _split_list(payload: Any, path: tuple[str, ...], key: str) -> dict[str, Any]:
    """Each entry of the list at `path` (entries named by their `key` field) in its own copy of the envelope."""

    def rebuild(node: Any, depth: int, entry: Any) -> Any:
        if depth == len(path):
            return [entry]
        return {**node, path[depth]: rebuild(node[path[depth]], depth + 1, entry)}

    node = payload
    for name in path:
        node = node[name]
    return {entry[key]: rebuild(payload, 0, entry) for entry in node}


def _seventeentrack(payload: Any) -> dict[str, Any]:
    parts = _split_list(payload, ("data", "accepted"), "number")
    return {number: {**part, "data": {**part["data"], "rejected": []}} for number, part in parts.items()}


SPLITTERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "17track": _seventeentrack,
    "fedex": lambda payload: _split_list(payload, ("output", "completeTrackResults"), "trackingNumber"),
    "cainiao": lambda payload: _split_list(payload, ("module",), "mailNo"),
}


def answer_parts(carrier: str, payload: Any, asked: Sequence[str]) -> dict[str, Any]:
    """The part of `payload` about each asked number that the answer mentions. Raise `PayloadInvalid`."""
    adapter = get_carrier(carrier)
    mentioned = adapter.tracking_numbers(payload)
    if len(asked) == 1:
        return {asked[0]: payload}
    splitter = SPLITTERS.get(carrier)
    if splitter is None:
        raise PayloadInvalid(f"{carrier} answered {len(asked)} numbers at once and parcelwatch cannot split it")
    if not mentioned:
        return {}
    try:
        parts = splitter(payload)
    except (KeyError, TypeError) as error:
        raise PayloadInvalid(f"{carrier} answer cannot be split per number: {error!r}") from None
    wanted = set(asked)
    for number, part in parts.items():
        if adapter.tracking_numbers(part) != [number]:
            raise PayloadInvalid(f"{carrier} answer: the part for {number} does not read as that number alone")
    return {number: part for number, part in parts.items() if number in wanted}


def number_events(carrier: str, part: Any, text_threshold: float) -> tuple[TrackingEvent, ...]:
    """Every canonical event of a number's part of an answer, ordered by carrier time."""
    shipments: list[ParsedShipment] = normalise(carrier, part, text_threshold=text_threshold)
    events = [event for shipment in shipments for event in shipment.events]
    return tuple(sorted(events, key=TrackingEvent.order_key))


def events_hash(events: Sequence[TrackingEvent]) -> int:
    """A 64-bit digest of the events (never 0, which means "not polled yet")."""
    canonical = sorted(orjson.dumps(event.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS) for event in events)
    digest = int.from_bytes(hashlib.blake2b(b"\n".join(canonical), digest_size=8).digest(), "little")
    return digest or 1
