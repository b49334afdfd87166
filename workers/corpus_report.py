"""`parcelwatch normalize --report DIR`: what a folder of carrier payloads gives, before a carrier is switched on.

Every file under DIR (hidden files and sidecars aside) is read as `parcelwatch normalize` reads one:
a JSON document, an XML answer, or JSON lines of payloads. Each payload's carrier is the one named
by its sidecar (`NAME.carrier` beside the file, or a `.carrier` file in its folder or a folder above
it inside DIR: one slug), else `--carrier` (`auto`: recognised from the payload's shape). The report
counts shipments and events by canonical status, events classified from their text, unknown codes
by carrier, inferred times by carrier, refused events by carrier and reason, and the payloads that
could not be read, by reason, each named with its file (and line).

`tally` is pure: it takes what was read and gives the `Report`; `build_report` reads the files.
"""

import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import orjson

from carriers.base import ParsedShipment, PayloadInvalid, normalise, registry
from schemas.event import derive_status, merge_events
from schemas.status import Status
from workers.carrier_cli import NormalizeError, carrier_of, known_carrier, read_payloads

SIDECAR = ".carrier"


@dataclass(frozen=True, slots=True)
class Read:
    """One payload's shipments, as its carrier's adapter read them."""

    carrier: str
    shipments: list[ParsedShipment]


@dataclass(frozen=True, slots=True)
class Unread:
    """A file or payload that could not be read: where (file and line), why (a short kind) and the message."""

    where: str
    kind: str
    message: str


@dataclass
class Report:
    files: int = 0
    payloads: int = 0
    shipments_by_status: Counter = field(default_factory=Counter)
    events_by_status: Counter = field(default_factory=Counter)
    text_classified: Counter = field(default_factory=Counter)
    unknown_codes: Counter = field(default_factory=Counter)
    inferred_times: Counter = field(default_factory=Counter)
    refused_events: Counter = field(default_factory=Counter)
    unread: list[Unread] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def pairs(counter: Counter, *names: str) -> list[dict[str, Any]]:
            return [{**dict(zip(names, key, strict=True)), "count": n} for key, n in sorted(counter.items())]

        return {
            "files": self.files,
            "payloads": self.payloads,
            "shipments_by_status": dict(sorted(self.shipments_by_status.items())),
            "events_by_status": dict(sorted(self.events_by_status.items())),
            "text_classified": dict(sorted(self.text_classified.items())),
            "unknown_codes": pairs(self.unknown_codes, "carrier", "code"),
            "inferred_times": dict(sorted(self.inferred_times.items())),
            "refused_events": pairs(self.refused_events, "carrier", "reason"),
            "unread_by_kind": dict(sorted(Counter(u.kind for u in self.unread).items())),
            "unread": [{"where": u.where, "kind": u.kind, "message": u.message} for u in self.unread],
        }


def tally(files: int, results: Iterable[Read | Unread]) -> Report:
    """The report of `files` files whose payloads gave `results`."""
    report = Report(files=files)
    for result in results:
        if isinstance(result, Unread):
            report.unread.append(result)
            continue
        report.payloads += 1
        for shipment in result.shipments:
            history, _ = merge_events((), shipment.events)
            status = derive_status(history)
            report.shipments_by_status[status.value if status else "no_events"] += 1
            for event in history:
                report.events_by_status[event.status.value] += 1
                if event.status_source == "text":
                    report.text_classified[event.status.value] += 1
                if event.status is Status.UNKNOWN:
                    report.unknown_codes[(event.carrier or result.carrier, event.raw_code or "none")] += 1
                if event.time_inferred:
                    report.inferred_times[event.carrier or result.carrier] += 1
            for refused in shipment.refused:
                report.refused_events[(result.carrier, refused.kind)] += 1
    return report


def payload_files(folder: Path) -> list[Path]:
    """The files under `folder` that hold payloads: not hidden, not a sidecar, in name order."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix != SIDECAR
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def sidecar_carrier(path: Path, folder: Path) -> str | None:
    """The slug a sidecar names for `path`: `path.carrier`, else the nearest `.carrier` up to `folder`."""
    candidates = [path.with_name(path.name + SIDECAR)]
    candidates += [parent / SIDECAR for parent in (path.parent, *path.parent.parents) if parent.is_relative_to(folder)]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8").strip()
    return None


def _read_file(path: Path, name: str, carrier: str, text_threshold: float, now: datetime) -> Iterator[Read | Unread]:
    if carrier != "auto" and carrier not in registry():
        yield Unread(name, "unknown_carrier", f"{name}: the sidecar names {carrier!r}, which has no adapter")
        return
    try:
        payloads = read_payloads(path.read_bytes(), name)
    except NormalizeError as error:
        yield Unread(name, error.kind, str(error))
        return
    except OSError as error:
        yield Unread(name, "unreadable", f"{name}: cannot read: {error.strerror or error}")
        return
    for line, payload in payloads:
        where = f"{name}:{line}" if line else name
        try:
            slug, body, received_at = carrier_of(payload, carrier, where)
        except NormalizeError as error:
            yield Unread(where, error.kind, str(error))
            continue
        try:
            shipments = normalise(slug, body, text_threshold=text_threshold, received_at=received_at or now)
        except PayloadInvalid as error:
            yield Unread(where, "invalid", f"{where}: not a valid {slug} payload: {error}")
            continue
        yield Read(slug, shipments)


def build_report(folder: Path, carrier: str, text_threshold: float, now: datetime) -> Report:
    """The report of every payload file under `folder` (see the module docstring)."""
    files = payload_files(folder)

    def results() -> Iterator[Read | Unread]:
        for path in files:
            name = str(path.relative_to(folder))
            named = sidecar_carrier(path, folder) or carrier
            yield from _read_file(path, name, named, text_threshold, now)

    return tally(len(files), results())


def render(report: Report) -> Iterator[str]:
    """The report as text lines for people."""
    yield f"{report.files} files, {report.payloads} payloads read, {len(report.unread)} not read"

    def section(title: str, counter: Counter, label=str) -> Iterator[str]:
        yield ""
        yield title
        if not counter:
            yield "  none"
        for key, count in sorted(counter.items(), key=lambda item: (-item[1], str(item[0]))):
            yield f"  {count:>7}  {label(key)}"

    yield from section("shipments by status", report.shipments_by_status)
    yield from section("events by status", report.events_by_status)
    yield from section("events classified from their text, by status", report.text_classified)
    yield from section("unknown codes (carrier  code)", report.unknown_codes, "  ".join)
    yield from section("inferred times, by carrier", report.inferred_times)
    yield from section("refused events (carrier  reason)", report.refused_events, "  ".join)
    yield from section("payloads not read, by reason", Counter(u.kind for u in report.unread))
    for unread in report.unread:
        yield f"  {unread.message}"


def run_report(folder: Path, carrier: str, text_threshold: float, as_json: bool) -> int:
    """`parcelwatch normalize --report FOLDER`: print the report; the exit code."""
    if not known_carrier(carrier):
        return 2
    report = build_report(folder, carrier, text_threshold, datetime.now(UTC))
    if as_json:
        sys.stdout.buffer.write(orjson.dumps(report.as_json(), option=orjson.OPT_INDENT_2) + b"\n")
    else:
        for line in render(report):
            click.echo(line)
    sys.stdout.flush()
    return 0
