"""What `normalise` counts: carrier codes that end up `unknown`, and statuses read from the text.

    parcelwatch_unknown_carrier_codes_total{carrier, code}   events left unknown, by raw code
    parcelwatch_text_classified_total{carrier, status}       events whose status came from the text

An unmapped code is a gap in a carrier's table: the first counter says which codes to add (and
backs the alert on a rising rate). Codes are labels, so their cardinality is bounded: a code
longer than `MAX_CODE_LENGTH` characters, or any new code once a carrier already has
`MAX_CODES_PER_CARRIER` distinct ones, is counted as `other`; an event without a code as `none`.
"""

from prometheus_client import Counter

MAX_CODE_LENGTH = 40
MAX_CODES_PER_CARRIER = 200

UNKNOWN_CODES = Counter(
    "parcelwatch_unknown_carrier_codes",
    "Carrier events whose code maps to no canonical status and whose text did not say one either",
    ["carrier", "code"],
)
TEXT_CLASSIFIED = Counter(
    "parcelwatch_text_classified",
    "Carrier events whose canonical status was read from their description (code in no table)",
    ["carrier", "status"],
)

_codes_seen: dict[str, set[str]] = {}


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


def count_unknown(carrier: str, code: str | None) -> None:
    UNKNOWN_CODES.labels(carrier=carrier, code=code_label(carrier, code)).inc()


def count_text_classified(carrier: str, status: str) -> None:
    TEXT_CLASSIFIED.labels(carrier=carrier, status=status).inc()
