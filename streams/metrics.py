"""What the stream worker counts (prometheus-client), served on its /metrics."""

from prometheus_client import Counter, Histogram

from schemas.outputs import DeadLetter, Output

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
IMPLAUSIBLE_EVENTS = Counter(
    "parcelwatch_implausible_event_times_total",
    "Carrier events left out because their time is before 2000 or over a day after the record was received",
    ["carrier"],
)
FOREIGN_SHIPMENTS = Counter(
    "parcelwatch_stream_foreign_shipments_total",
    "Shipments in a raw record other than the one it is keyed by, left out (payloads are split at the edge)",
)
DEADLETTERS = Counter("parcelwatch_deadletter_records_total", "Records sent to the dead-letter topic", ["stage"])


def count_output(output: Output) -> None:
    OUTPUTS.labels(output.topic).inc()
    if isinstance(output, DeadLetter):
        DEADLETTERS.labels(output.stage).inc()
    elif output.type != "status_changed":
        RULE_FIRINGS.labels(getattr(output, "flag", None) or getattr(output, "template", None) or output.type).inc()
