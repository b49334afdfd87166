"""What the stream worker counts (prometheus-client), served on its /metrics.

`parcelwatch_unknown_carrier_codes_total{carrier, code}` counts the events a shipment's history
newly took whose code maps to no status (and whose text did not say one): an unmapped code is a
gap in a carrier's table, and the counter says which codes to add (and backs the alert on a rising
rate). An event a carrier repeats is not new to the history, so it is not counted again; nor is
one older than every event the state keeps (`kept_events`), most often an old event of a re-pushed
full history. Codes are labels, so their cardinality is bounded: a code longer than
`MAX_CODE_LENGTH` characters, or any new code once a carrier already has `MAX_CODES_PER_CARRIER`
distinct ones, is counted as `other`; an event without a code as `none`.
"""

from collections.abc import Iterable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

from schemas.event import TrackingEvent
from schemas.outputs import DeadLetter, Output

MAX_CODE_LENGTH = 40
MAX_CODES_PER_CARRIER = 200

EVENTS = Counter("parcelwatch_stream_events_total", "Input records the stream processed", ["topic"])
RECORD_AGE = Histogram(
    "parcelwatch_stream_record_age_seconds",
    "From a record's timestamp to the end of its processing",
    ["topic"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)
OUTPUTS = Counter("parcelwatch_outputs_total", "Records produced for the dispute platform", ["topic"])
RULE_FIRINGS = Counter(
    "parcelwatch_rule_firings_total", "Rule outputs, by the flag, template or adjustment they raise", ["rule"]
)
REFUSED_EVENTS = Counter(
    "parcelwatch_refused_carrier_events",
    "Carrier events left out of a record whose other events were used, by carrier and reason (carriers/times.py):"
    " implausible_time, unreadable_time, no_time, no_zone, invalid_event",
    ["carrier", "reason"],
)
FOREIGN_SHIPMENTS = Counter(
    "parcelwatch_stream_foreign_shipments_total",
    "Shipments in a raw record other than the one it is keyed by, left out (payloads are split at the edge)",
)
STALLED_PARTITIONS = Gauge(
    "parcelwatch_stream_stalled_partitions",
    "Assigned input partitions with lag that delivered nothing for stall_after_s (streams/watchdog.py)",
)
OFFSET_PROBES = Counter(
    "parcelwatch_stream_offset_probes_total",
    "Input records that came after missing offsets, by what the broker said (streams/offsets.py): taken (the"
    " offsets hold no records: transaction markers) or read_again (records were missing: the partition is read"
    " again from them)",
    ["outcome"],
)
DEADLETTERS = Counter("parcelwatch_deadletter_records_total", "Records sent to the dead-letter topic", ["stage"])
UNKNOWN_CODES = Counter(
    "parcelwatch_unknown_carrier_codes",
    "Carrier events new to a shipment's history whose code maps to no canonical status and whose text did not say one",
    ["carrier", "code"],
)

_codes_seen: dict[str, set[str]] = {}


def count_output(output: Output) -> None:
    OUTPUTS.labels(output.topic).inc()
    if isinstance(output, DeadLetter):
        DEADLETTERS.labels(output.stage).inc()
    elif output.type != "status_changed":
        RULE_FIRINGS.labels(getattr(output, "flag", None) or getattr(output, "template", None) or output.type).inc()


def code_label(carrier: str, code: str | None) -> str:
    """The `code` label an unknown code is counted under (bounded per carrier)."""
    if not code:
        return "none"
    if len(code) > MAX_CODE_LENGTH:
        return "other"
    seen = _codes_seen.setdefault(carrier, set())
    if code in seen:
        return code
    if len(seen) >= MAX_CODES_PER_CARRIER:
        return "other"
    seen.add(code)
    return code


def count_unknown(events: Iterable[TrackingEvent]) -> None:
    for event in events:
        UNKNOWN_CODES.labels(carrier=event.carrier, code=code_label(event.carrier, event.raw_code)).inc()


async def metrics_handler(_: web.Request) -> web.Response:
    """`GET /metrics`: every metric of the process, in Prometheus' text format."""
    return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})
