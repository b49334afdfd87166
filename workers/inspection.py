"""`parcelwatch inspect TRACKING_NUMBER`: a shipment as the stream holds it, and what it caused.

The state is the latest value of the number's key on the stream's shipments changelog
(`<app_id>-shipments-changelog`, encoded by `schemas.codec`). Faust writes a table entry to the
changelog partition of the input record that changed it, and inputs are keyed by tracking number
with Kafka's default partitioner, so the number's partition (murmur2) is read first; only when the
number is not there are the other partitions read. A state holds the shipment's latest events and
the earlier ones its rules read (`schemas.event.kept_events`); the whole history is on tracking.raw.v1.

The outputs are the records on the output topics keyed by the number or one of its orders' ids,
read from the partitions those keys hash to (the stream produces with the default partitioner),
the newest `--outputs-limit` of them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from schemas.codec import load_state
from schemas.outputs import OUTPUT_MODELS
from schemas.state import ShipmentState
from schemas.types import format_utc
from streams.core import PendingTimer, next_wake, pending_timers
from streams.rules.settings import RuleSettings

OUTPUT_TOPICS: tuple[str, ...] = tuple(model.topic for model in OUTPUT_MODELS)


def changelog_topic(app_id: str, table: str = "shipments") -> str:
    """The changelog Faust keeps for a table of `streams.app` (`<app_id>-<table>-changelog`)."""
    return f"{app_id}-{table}-changelog"


@dataclass(frozen=True, slots=True)
class Found:
    state: ShipmentState
    topic: str
    partition: int
    offset: int
    timestamp_ms: int


@dataclass(frozen=True, slots=True)
class OutputRecord:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: str | None
    value: Any

    def as_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "timestamp": format_utc(_from_ms(self.timestamp_ms)),
            "key": self.key,
            "value": self.value,
        }


@dataclass(frozen=True, slots=True)
class Report:
    found: Found
    now: datetime
    next_wake: datetime | None
    pending: list[PendingTimer]
    outputs: list[OutputRecord] = field(default_factory=list)
    outputs_total: int = 0

    @property
    def state(self) -> ShipmentState:
        return self.found.state


# --- pure ------------------------------------------------------------------------------------------


def _from_ms(timestamp_ms: int) -> datetime:
    return datetime.fromtimestamp(timestamp_ms / 1000, UTC)


def output_keys(state: ShipmentState) -> set[str]:
    """The keys the number's outputs carry: the number itself and its orders' ids."""
    return {state.tracking_number, *state.orders}


def newest(records: Iterable[OutputRecord], limit: int) -> tuple[list[OutputRecord], int]:
    """(the newest `limit` records oldest first, how many there were)."""
    ordered = sorted(records, key=lambda r: (r.timestamp_ms, r.topic, r.partition, r.offset))
    return (ordered[len(ordered) - limit :] if limit > 0 else []), len(ordered)


def build_report(
    found: Found, outputs: Iterable[OutputRecord], now: datetime, rules: RuleSettings, outputs_limit: int
) -> Report:
    shown, total = newest(outputs, outputs_limit)
    return Report(
        found=found,
        now=now,
        next_wake=next_wake(found.state, now, rules),
        pending=pending_timers(found.state, now, rules),
        outputs=shown,
        outputs_total=total,
    )


def output_summary(value: Any) -> str:
    """One line saying what an output value says."""
    if not isinstance(value, dict):
        return ""
    kind = value.get("type")
    if kind == "status_changed":
        return f"{value.get('previous_status') or '—'} → {value.get('status')} at {value.get('occurred_at')}"
    if kind in ("protection_shortened", "protection_restored"):
        return f"{kind}: ends {value.get('protection_ends_at')} (was {value.get('previous_ends_at')})"
    if kind == "flag_raised":
        return f"flag {value.get('flag')} raised at {value.get('raised_at')}"
    if kind == "notification":
        return f"{value.get('template')}, act by {value.get('deadline')}"
    if kind == "dead_letter":
        return f"{value.get('stage')}: {value.get('reason')}"
    return str(kind or "")


def report_json(report: Report) -> dict[str, Any]:
    return {
        "tracking_number": report.state.tracking_number,
        "changelog": {
            "topic": report.found.topic,
            "partition": report.found.partition,
            "offset": report.found.offset,
            "timestamp": format_utc(_from_ms(report.found.timestamp_ms)),
        },
        "state": report.state.model_dump(mode="json"),
        "now": format_utc(report.now),
        "next_wake": format_utc(report.next_wake) if report.next_wake else None,
        "pending": [
            {
                "order_id": timer.order_id,
                "rule": timer.rule,
                "label": timer.label,
                "wake_at": format_utc(timer.wake_at),
                "due": timer.due,
            }
            for timer in report.pending
        ],
        "outputs": [record.as_json() for record in report.outputs],
        "outputs_total": report.outputs_total,
    }


def _when(moment: datetime | None) -> str:
    return format_utc(moment) if moment else "—"


def render(report: Report) -> list:
    """The report as rich renderables, in reading order."""
    from rich.table import Table
    from rich.text import Text

    state = report.state
    found = report.found
    parts: list = [
        Text.assemble(
            (state.tracking_number, "bold"),
            f"  status {state.status.value if state.status else '(no scan yet)'}",
            f"  carrier {state.carrier or '—'}",
        ),
        Text(
            f"state from {found.topic}[{found.partition}]@{found.offset},"
            f" written {format_utc(_from_ms(found.timestamp_ms))}",
            style="dim",
        ),
    ]

    orders = Table(title="Orders", title_justify="left")
    for name in ("order", "buyer", "shipped", "protection ends", "before R1", "dispute", "closed", "fired"):
        orders.add_column(name, overflow="fold")
    for order in state.orders.values():
        dispute = order.dispute
        orders.add_row(
            order.order_id,
            order.buyer_id,
            _when(order.shipped_at),
            _when(order.protection_ends_at),
            _when(order.ends_before_shortening),
            f"{dispute.reason} ({'open' if dispute.open else 'closed'})" if dispute else "—",
            "yes" if order.closed else "no",
            ", ".join(sorted(order.fired)) or "—",
        )
    parts.append(orders if state.orders else Text("Orders: none registered for this number"))

    events = Table(
        title="Events the state keeps (carrier time; the whole history is on tracking.raw.v1)", title_justify="left"
    )
    for name in ("occurred at", "status", "substatus", "code", "description", "location", "carrier"):
        events.add_column(name, overflow="fold")
    for event in state.events:
        place = ", ".join(part for part in (event.location, event.country) if part)
        status = event.status.value + (f" (text {event.confidence:.2f})" if event.status_source == "text" else "")
        events.add_row(
            event.occurred_at.isoformat(),
            status,
            event.substatus or "—",
            event.raw_code or "—",
            event.description or "—",
            place or "—",
            event.carrier,
        )
    parts.append(events if state.events else Text("Events: none yet"))

    parts.append(Text(f"Next deadline: {_when(report.next_wake)} (now {format_utc(report.now)})"))
    if report.pending:
        timers = Table(title="Pending timers", title_justify="left")
        for name in ("order", "rule", "wakes at"):
            timers.add_column(name, overflow="fold")
        for timer in report.pending:
            if timer.order_id is None:
                what = "state forgotten (retention after the last input or protection end)"
            else:
                what = f"{timer.label} {timer.rule}" if timer.label else timer.rule
            when = format_utc(timer.wake_at) + (" (due)" if timer.due else "")
            timers.add_row(timer.order_id or "(shipment)", what, when)
        parts.append(timers)
    else:
        parts.append(Text("Pending timers: none"))

    if report.outputs:
        title = f"Outputs ({len(report.outputs)} of {report.outputs_total}, newest last)"
        outputs = Table(title=title, title_justify="left")
        for name in ("written", "topic", "key", "what"):
            outputs.add_column(name, overflow="fold")
        for record in report.outputs:
            outputs.add_row(
                format_utc(_from_ms(record.timestamp_ms)), record.topic, record.key or "—", output_summary(record.value)
            )
        parts.append(outputs)
    else:
        parts.append(Text("Outputs: none found"))
    return parts


# --- Kafka ------------------------------------------------------------------------------------------


def _decode_state(value: bytes | None) -> ShipmentState | None:
    if value is None:
        return None
    try:
        return load_state(value)
    except ValueError:
        return None


async def find_state(topics, app_id: str, tracking_number: str) -> Found | None:
    """The latest changelog value of `tracking_number`; None when the stream holds no state for it.
    (`topics`: a `workers.topic_scan.TopicReader`.)"""
    from workers.topic_scan import partition_for_key

    topic = changelog_topic(app_id)
    partitions = topics.partitions(topic)
    if not partitions:
        return None
    key = tracking_number.encode()
    home = partitions[partition_for_key(tracking_number, len(partitions))]
    for batch in ([home], [tp for tp in partitions if tp != home]):
        latest = None
        async for record in topics.scan(batch):
            if record.key == key and (latest is None or record.timestamp >= latest.timestamp):
                latest = record
        if latest is not None:
            state = _decode_state(latest.value)
            if state is None:
                return None  # deleted (tombstone) or unreadable
            return Found(state, topic, latest.partition, latest.offset, latest.timestamp)
    return None


async def find_outputs(topics, keys: set[str], names: Sequence[str] = OUTPUT_TOPICS) -> list[OutputRecord]:
    """The records on `names` keyed by one of `keys`, read from the partitions the keys hash to."""
    from workers.topic_scan import partition_for_key

    wanted = {key.encode(): key for key in keys}
    found: list[OutputRecord] = []
    for topic in names:
        partitions = topics.partitions(topic)
        if not partitions:
            continue
        homes = sorted({partitions[partition_for_key(key, len(partitions))] for key in keys})
        async for record in topics.scan(homes):
            if record.key in wanted:
                try:
                    value = orjson.loads(record.value) if record.value is not None else None
                except orjson.JSONDecodeError:
                    value = record.value.decode("utf-8", errors="replace")
                found.append(
                    OutputRecord(topic, record.partition, record.offset, record.timestamp, wanted[record.key], value)
                )
    return found
