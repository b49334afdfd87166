"""Which carrier's format a payload is in, from its shape alone (`parcelwatch normalize --carrier auto`).

A list of (slugs, predicate on the payload's top-level structure). Predicates look at keys the
carriers document, never at values. A payload is read as a carrier's only when exactly one
registered carrier's predicate holds; when several hold, `AmbiguousShape` names them all and
nothing is guessed. The generic and sandbox formats share `tracking_number` + `events`: sandbox
events have `code` and `time`, generic ones `occurred_at`, and a payload with no events at all is
generic (the sandbox predicate needs an event; either reading gives the same empty history). Only
carriers present in the registry are answered, so the list can name adapters that are not there yet.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from carriers.base import registry


def _dict(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _items(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [item for item in value if isinstance(item, Mapping)]
    return []


def _russianpost(payload: Any) -> bool:
    return isinstance(payload, str) and "OperationHistory" in payload


def _ups(payload: Any) -> bool:
    return (d := _dict(payload)) is not None and "trackResponse" in d


def _fedex(payload: Any) -> bool:
    output = _dict((_dict(payload) or {}).get("output"))
    return output is not None and "completeTrackResults" in output


def _usps(payload: Any) -> bool:
    return (d := _dict(payload)) is not None and {"trackingNumber", "trackingEvents"} <= d.keys()


def _seventeentrack(payload: Any) -> bool:
    d = _dict(payload)
    if d is None:
        return False
    data = _dict(d.get("data"))
    if isinstance(d.get("event"), str) and d["event"].startswith("TRACKING_") and data is not None:
        return True
    return data is not None and ("accepted" in data or "rejected" in data)


def _aftership(payload: Any) -> bool:
    d = _dict(payload)
    if d is None:
        return False
    if "msg" in d and ("event_id" in d or "event" in d):
        return True
    data = _dict(d.get("data"))
    if "meta" not in d or data is None:
        return False
    return "tracking" in data or "trackings" in data or {"tracking_number", "slug"} <= data.keys()


def _cainiao(payload: Any) -> bool:
    modules = _items((_dict(payload) or {}).get("module"))
    return bool(modules) and all("mailNo" in m or "detailList" in m for m in modules)


def _dhl(payload: Any) -> bool:
    shipments = _items((_dict(payload) or {}).get("shipments"))
    return bool(shipments) and all("events" in s or "status" in s for s in shipments)


def _upu(payload: Any) -> bool:
    d = _dict(payload)
    events = _items(d.get("events")) if d is not None else []
    return bool(events) and all("mail_item_id" in e and "event_code" in e for e in events)


def _events(payload: Any) -> list[Mapping[str, Any]] | None:
    d = _dict(payload)
    if d is None or "tracking_number" not in d or not isinstance(d.get("events"), list):
        return None
    return _items(d["events"])


def _sandbox(payload: Any) -> bool:
    events = _events(payload)
    return bool(events) and all("code" in e and "time" in e for e in events)


def _generic(payload: Any) -> bool:
    events = _events(payload)
    return events is not None and all("occurred_at" in e for e in events)


SHAPES: tuple[tuple[tuple[str, ...], Callable[[Any], bool]], ...] = (
    (("russianpost",), _russianpost),
    (("ups",), _ups),
    (("fedex",), _fedex),
    (("usps",), _usps),
    (("17track", "seventeentrack"), _seventeentrack),
    (("aftership",), _aftership),
    (("cainiao",), _cainiao),
    (("dhl",), _dhl),
    (("upu",), _upu),
    (("sandbox",), _sandbox),
    (("generic",), _generic),
)


class AmbiguousShape(ValueError):
    """The payload's shape fits more than one registered carrier's format."""

    def __init__(self, candidates: list[str]) -> None:
        super().__init__(f"its shape fits several formats ({', '.join(candidates)})")
        self.candidates = candidates


def recognise(payload: Any) -> str | None:
    """The slug of the one registered carrier whose format the payload is in, or None when there is
    none. Raise `AmbiguousShape` naming the candidates when there are several."""
    known = registry()
    candidates = [
        next(slug for slug in slugs if slug in known)
        for slugs, predicate in SHAPES
        if any(slug in known for slug in slugs) and predicate(payload)
    ]
    if len(candidates) > 1:
        raise AmbiguousShape(candidates)
    return candidates[0] if candidates else None


def looks_like(payload: Any) -> list[str]:
    """Every format the payload's shape matches, registered or not (for error messages)."""
    return [slugs[0] for slugs, predicate in SHAPES if predicate(payload)]
