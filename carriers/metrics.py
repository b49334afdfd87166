"""What `normalise` counts: statuses read from the text.

    parcelwatch_text_classified_total{carrier, status}       events whose status came from the text

Codes left `unknown` are counted by the stream, once per event it newly adds to a history
(`streams.metrics.count_unknown`), not here: the poller, `replay` and `normalize` normalise too,
and a re-pushed history repeats its old events.
"""

from prometheus_client import Counter

TEXT_CLASSIFIED = Counter(
    "parcelwatch_text_classified",
    "Carrier events whose canonical status was read from their description (code in no table)",
    ["carrier", "status"],
)


def count_text_classified(carrier: str, status: str) -> None:
    TEXT_CLASSIFIED.labels(carrier=carrier, status=status).inc()
