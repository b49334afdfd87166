"""What the receiver decides about a request from its own bytes, before and around the I/O.

Pure functions, so that every refusal is a table of cases: the type a body may come as, the
headers a carrier signs with, the largest body that can still become one record under the
producer's request limit, how deep its JSON may nest, and the raw record itself (built once as
bytes, without validating the envelope a second time).
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

#: Types a pushed body may be declared as. JSON is what every pushing carrier documents;
#: `application/octet-stream` is what HTTP clients declare for raw bytes when told nothing.
ACCEPTED_TYPES = frozenset({"application/json", "application/octet-stream"})

#: A signature header longer than this is not one a carrier sends; it also bounds the delivery id.
MAX_SIGNATURE_HEADER = 512
#: What a record's key (a tracking number) may add to its size.
MAX_KEY_BYTES = 128
#: Kafka's framing of one record alone in its batch: the batch header (61 bytes) and the record's
#: own varints and attributes, rounded up.
RECORD_FRAMING_BYTES = 128
#: The most a refusal's reason may say; its answer and its log line stay under 1 KB.
MAX_REASON_CHARS = 400


def short(reason: str, limit: int = MAX_REASON_CHARS) -> str:
    """`reason` in at most `limit` ASCII characters (anything else escaped, the rest counted), so
    that a body with 100,000 faults gets a short answer and a short log line, not its echo."""
    text = reason.encode("ascii", "backslashreplace").decode()
    if len(text) <= limit:
        return text
    cut = limit - 40
    return f"{text[:cut]}… ({len(text) - cut} more characters)"


def content_type_refusal(content_type: str) -> str | None:
    """Why a body declared as `content_type` (aiohttp's parsed media type) is refused, or None."""
    if content_type.lower() in ACCEPTED_TYPES:
        return None
    return short(f"Content-Type {content_type[:64]!r} is not accepted; send application/json")


def header_refusal(headers: Mapping[str, str], names: Iterable[str]) -> str | None:
    """Why the signature headers `names` cannot be read, or None: a signature scheme works on
    printable ASCII, and a byte outside it (decoded by aiohttp as a surrogate) is a forged or
    garbled request, not a server fault."""
    for name in names:
        value = headers.get(name)
        if value is None:
            continue
        if len(value) > MAX_SIGNATURE_HEADER:
            return f"header {name} is longer than {MAX_SIGNATURE_HEADER} characters"
        if not (value.isascii() and value.isprintable()):
            return f"header {name} is not printable ASCII"
    return None


def raw_record(carrier: str, received_at: datetime, payload: Any, delivery_id: str) -> bytes:
    """A `tracking.raw.v1` value (`schemas.inputs.RawTracking`) from parts the receiver already
    checked: the payload came from `orjson.loads`, so nothing in it needs validating again."""
    return orjson.dumps(
        {
            "carrier": carrier,
            "received_at": received_at.isoformat(),
            "payload": payload,
            "source": "webhook",
            "delivery_id": delivery_id,
        }
    )


def envelope_bytes(carrier_slug_bytes: int = 32) -> int:
    """What a raw record adds to its payload at most: framing, key, the envelope's fields with the
    longest delivery id a signature header allows."""
    sample = raw_record("c" * carrier_slug_bytes, datetime(2026, 1, 1, tzinfo=UTC), None, "i" * MAX_SIGNATURE_HEADER)
    return RECORD_FRAMING_BYTES + MAX_KEY_BYTES + len(sample) - len(b"null")


def body_limit(max_body_bytes: int, max_request_size: int) -> int:
    """The largest body the receiver reads: the configured limit, or less when a record holding the
    body would be over the producer's `max_request_size` (the broker would refuse it for ever)."""
    return min(max_body_bytes, max_request_size - envelope_bytes())


def record_fits(key: bytes, value: bytes, max_request_size: int) -> bool:
    return RECORD_FRAMING_BYTES + len(key) + len(value) <= max_request_size


def nests_deeper_than(body: bytes, value: Any, limit: int) -> bool:
    """Whether the JSON `value` parsed from `body` nests more than `limit` deep. A body cannot nest
    deeper than it has opening brackets (those inside strings only add to the count), so most
    bodies are cleared by counting them, without walking `value`."""
    return body.count(b"{") + body.count(b"[") > limit and deeper_than(value, limit)


def deeper_than(value: Any, limit: int) -> bool:
    """Whether JSON `value` nests objects and arrays more than `limit` deep (the top level is 1)."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
