"""`parcelwatch bench normalize`: carrier payloads to canonical events, per carrier, on one core.

Each carrier's fixtures (`carriers/<folder>/fixtures/*.json`, the bytes a record would carry) are
repeated until at least `events` canonical events, then timed twice in this process: decoding the
JSON only (the baseline, `orjson.loads` as the stream decodes records), and decoding plus
`carriers.base.normalise` (the adapter's parse, the text fallback, its counter). No I/O is timed.
"""

import math
import time
from dataclasses import dataclass
from typing import Any

import orjson

from carriers.base import carrier_folder, normalise, registry
from workers.bench.report import json_line, per_second, ratio, table

#: events/s per core the JSON carriers are expected to reach (issue 3).
TARGET_EVENTS_PER_S = 20_000


@dataclass(frozen=True, slots=True)
class CarrierFigures:
    carrier: str
    payload_format: str
    payloads: int
    events: int
    decode_s: float
    normalise_s: float

    @property
    def events_per_s(self) -> float:
        return per_second(self.events, self.normalise_s)

    @property
    def decode_events_per_s(self) -> float:
        return per_second(self.events, self.decode_s)


def fixtures(slug: str) -> list[bytes]:
    """The raw fixture files of the carrier registered as `slug`."""
    found = (carrier_folder(slug) / "fixtures").glob("*.json")
    paths = sorted(p for p in found if not p.name.endswith(".expected.json"))
    return [p.read_bytes() for p in paths]


def _events_in(slug: str, raw: bytes) -> int:
    return sum(len(shipment.events) for shipment in normalise(slug, orjson.loads(raw)))


def measure(slug: str, events: int) -> CarrierFigures | None:
    """Time decode-only and decode+normalise over the carrier's fixtures repeated to ~`events`."""
    files = [raw for raw in fixtures(slug) if _events_in(slug, raw)]
    if not files:
        return None
    per_round = sum(_events_in(slug, raw) for raw in files)
    rounds = max(1, math.ceil(events / per_round))
    batch = files * rounds
    payload_format = "xml" if any(isinstance(orjson.loads(raw), str) for raw in files) else "json"

    start = time.perf_counter()
    for raw in batch:
        orjson.loads(raw)
    decode_s = time.perf_counter() - start

    start = time.perf_counter()
    for raw in batch:
        normalise(slug, orjson.loads(raw))
    normalise_s = time.perf_counter() - start
    return CarrierFigures(slug, payload_format, len(batch), per_round * rounds, decode_s, normalise_s)


def run(events: int, carriers: tuple[str, ...]) -> list[CarrierFigures]:
    slugs = carriers or tuple(sorted(registry()))
    for slug in slugs:  # warm-up: imports, compiled patterns, validators
        for raw in fixtures(slug):
            normalise(slug, orjson.loads(raw))
    return [figures for slug in slugs if (figures := measure(slug, events)) is not None]


def report(results: list[CarrierFigures]) -> str:
    rows: list[list[Any]] = [
        [
            r.carrier,
            r.payload_format,
            r.events,
            round(r.events_per_s),
            round(r.decode_events_per_s),
            ratio(r.events_per_s, r.decode_events_per_s),
            None if r.payload_format != "json" else "yes" if r.events_per_s >= TARGET_EVENTS_PER_S else "NO",
        ]
        for r in results
    ]
    headers = ["carrier", "payload", "events", "events/s", "decode-only events/s", "ratio", "≥ 20k/s (JSON)"]
    figures = {
        "benchmark": "normalize",
        "target_events_per_s": TARGET_EVENTS_PER_S,
        "carriers": {
            r.carrier: {
                "payload": r.payload_format,
                "events": r.events,
                "events_per_s": round(r.events_per_s),
                "decode_only_events_per_s": round(r.decode_events_per_s),
            }
            for r in results
        },
        "json_carriers_meet_target": all(
            r.events_per_s >= TARGET_EVENTS_PER_S for r in results if r.payload_format == "json"
        ),
    }
    return table(headers, rows) + "\n" + json_line(figures)
