"""Which carrier's format a payload is in, from its shape alone (`parcelwatch normalize --carrier auto`).

Each carrier recognises its own format (`Carrier.recognises`, beside its adapter), from keys the
carrier documents, never from values; the helpers here read a payload's top-level structure. A
payload is read as a carrier's only when exactly one registered carrier recognises it; when several
do, `AmbiguousShape` names them all and nothing is guessed.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from carriers.base import registry


def mapping(value: Any) -> Mapping[str, Any] | None:
    """`value` when it is a JSON object, else None."""
    return value if isinstance(value, Mapping) else None


def mappings(value: Any) -> list[Mapping[str, Any]]:
    """The JSON objects of `value` when it is a list, else []."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [item for item in value if isinstance(item, Mapping)]
    return []


def listed_events(payload: Any) -> list[Mapping[str, Any]] | None:
    """The events of a `{"tracking_number", "events": [...]}` payload (the generic and sandbox formats),
    None for another shape."""
    d = mapping(payload)
    if d is None or "tracking_number" not in d or not isinstance(d.get("events"), list):
        return None
    return mappings(d["events"])


class AmbiguousShape(ValueError):
    """The payload's shape fits more than one registered carrier's format."""

    def __init__(self, candidates: list[str]) -> None:
        super().__init__(f"its shape fits several formats ({', '.join(candidates)})")
        self.candidates = candidates


def recognise(payload: Any) -> str | None:
    """The slug of the one registered carrier whose format the payload is in, or None when there is
    none. Raise `AmbiguousShape` naming the candidates, by slug, when there are several."""
    candidates = sorted(slug for slug, carrier in registry().items() if carrier.recognises(payload))
    if len(candidates) > 1:
        raise AmbiguousShape(candidates)
    return candidates[0] if candidates else None
