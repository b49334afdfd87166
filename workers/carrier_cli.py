"""The carrier tools of the CLI: `parcelwatch detect` and `parcelwatch normalize`.

`normalize` reads a carrier payload as the stream would, and prints one canonical event per line.

Input is one payload (a JSON document, or the text of an XML answer) or JSON lines of payloads.
With `--carrier auto` the format is recognised from the payload's shape (`carriers/shapes.py`):
a payload whose shape fits no format, or several, is refused naming them; and a `tracking.raw.v1`
value (`{"carrier", "payload"}`) is read as its carrier says.

Output, per shipment: its history (ordered by carrier time, duplicates once) as one JSON line per
event, then `{"tracking_number", "carrier", "status", "events": N}`. An event that cannot be used
(its time outside the plausible window, unreadable or without a zone, another invalid field:
`carriers.base.normalise`) is left out of the history and named on stderr; the
record counts as received at its `received_at` (a `tracking.raw.v1` value) or else now. Anything that
cannot be read raises `NormalizeError` with the file (and line) in its message.

`normalize --report FOLDER` reads a whole folder and prints counts instead (`workers.corpus_report`).
"""

import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import orjson
from pydantic import ValidationError

from carriers.base import PayloadInvalid, normalise, registry
from carriers.detect import clean, detect
from carriers.shapes import AmbiguousShape, recognise
from schemas.event import derive_status, merge_events
from schemas.inputs import RawTracking
from schemas.types import describe_validation_error


class NormalizeError(Exception):
    """Bad input: the message names the file (and the line, where there is one); `kind` says why in a
    word (`unreadable`, `invalid`, `ambiguous`, `unrecognised`), for `normalize --report`."""

    def __init__(self, message: str, kind: str = "unreadable") -> None:
        super().__init__(message)
        self.kind = kind


def read_payloads(data: bytes, source: str) -> list[tuple[int | None, Any]]:
    """The payloads in a file's bytes, each with its line number when the file is JSON lines."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NormalizeError(f"{source}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    body = text.strip()
    if not body:
        raise NormalizeError(f"{source}: empty, expected a JSON or XML payload")
    if body.startswith("<"):
        return [(None, body)]
    try:
        return [(None, orjson.loads(body))]
    except orjson.JSONDecodeError as error:
        document_error = error
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    try:
        orjson.loads(lines[0][1])
    except orjson.JSONDecodeError:
        raise NormalizeError(
            f"{source}:{document_error.lineno}: not JSON or XML: {document_error.msg} (column {document_error.colno})"
        ) from None
    payloads: list[tuple[int | None, Any]] = []
    for number, line in lines:
        try:
            payloads.append((number, orjson.loads(line)))
        except orjson.JSONDecodeError as error:
            raise NormalizeError(f"{source}:{number}: not JSON: {error.msg} (column {error.colno})") from None
    return payloads


def carrier_of(payload: Any, carrier: str, where: str) -> tuple[str, Any, datetime | None]:
    """The carrier, the carrier's payload and, for a `tracking.raw.v1` value that has one, its `received_at`."""
    if carrier != "auto":
        return carrier, payload, None
    if isinstance(payload, dict) and set(payload) >= {"carrier", "payload"} and payload["carrier"] in registry():
        if "received_at" not in payload:
            return payload["carrier"], payload["payload"], None
        try:
            return payload["carrier"], payload["payload"], RawTracking.model_validate(payload).received_at
        except ValidationError as error:
            message = f"{where}: not a tracking.raw.v1 value: {describe_validation_error(error)}"
            raise NormalizeError(message, "invalid") from None
    try:
        slug = recognise(payload)
    except AmbiguousShape as ambiguous:
        raise NormalizeError(f"{where}: not read: {ambiguous}; name it with --carrier", "ambiguous") from None
    if slug is None:
        message = f"{where}: not a payload format parcelwatch recognises; name it with --carrier"
        raise NormalizeError(message, "unrecognised")
    return slug, payload, None


def normalize_lines(
    payloads: list[tuple[int | None, Any]],
    carrier: str,
    text_threshold: float,
    source: str,
    now: datetime,
    refused: Callable[[str], None],
) -> Iterator[bytes]:
    """JSON lines: each shipment's canonical events, then its summary. Each refused event is passed to
    `refused` as a line naming the input, the number, the event's code and the reason."""
    for line, payload in payloads:
        where = f"{source}:{line}" if line else source
        slug, body, received_at = carrier_of(payload, carrier, where)
        try:
            shipments = normalise(slug, body, text_threshold=text_threshold, received_at=received_at or now)
        except PayloadInvalid as error:
            raise NormalizeError(f"{where}: not a valid {slug} payload: {error}", "invalid") from None
        for shipment in shipments:
            for refusal in shipment.refused:
                refused(f"{where}: {shipment.tracking_number}: event {refusal.label} refused: {refusal.reason}")
            history, _ = merge_events((), shipment.events)
            for event in history:
                yield orjson.dumps({"tracking_number": shipment.tracking_number, **event.model_dump(mode="json")})
            status = derive_status(history)
            yield orjson.dumps(
                {
                    "tracking_number": shipment.tracking_number,
                    "carrier": slug,
                    "status": status.value if status else None,
                    "events": len(history),
                }
            )


def run_normalize(source: str, carrier: str, text_threshold: float) -> int:
    """`parcelwatch normalize`: print the lines, or the reason on stderr; the exit code."""
    if not known_carrier(carrier):
        return 2
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as error:
        click.echo(f"parcelwatch normalize: {source}: cannot read: {error.strerror or error}", err=True)
        return 2
    name = "<stdin>" if source == "-" else source
    out = sys.stdout.buffer

    def refused(line: str) -> None:
        out.flush()
        click.echo(f"parcelwatch normalize: {line}", err=True)

    try:
        payloads = read_payloads(data, name)
        for line in normalize_lines(payloads, carrier, text_threshold, name, datetime.now(UTC), refused):
            out.write(line + b"\n")
    except NormalizeError as error:
        out.flush()
        click.echo(f"parcelwatch normalize: {error}", err=True)
        return 2
    out.flush()
    return 0


def known_carrier(carrier: str) -> bool:
    """Whether `carrier` is a registered slug or auto; if not, says so on stderr naming the known ones."""
    if carrier == "auto" or carrier in registry():
        return True
    known = ", ".join(sorted(registry()))
    click.echo(f"parcelwatch normalize: no adapter for carrier {carrier!r} (known: {known}, or auto)", err=True)
    return False


def print_candidates(number: str, as_json: bool) -> int:
    """`parcelwatch detect`: the candidates as a table or one JSON object; 1 when there are none."""
    candidates = detect(number)
    if as_json:
        click.echo(orjson.dumps({"number": clean(number), "candidates": [asdict(c) for c in candidates]}))
    elif candidates:
        rows = [("carrier", "confidence", "check digit", "format", "reason")]
        check = {True: "ok", False: "WRONG", None: "-"}
        rows += [(c.carrier, f"{c.confidence:.2f}", check[c.valid_check_digit], c.format, c.reason) for c in candidates]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            click.echo("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[4]]))
    else:
        click.echo(f"parcelwatch detect: {clean(number) or number!r} matches no known tracking-number format", err=True)
    return 0 if candidates else 1
