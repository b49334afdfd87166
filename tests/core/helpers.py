"""Short replay histories for the decision-core tables: input lines, and outputs as comparable rows."""

from datetime import datetime, timedelta
from typing import Any, NamedTuple

import orjson
import pytest

from schemas.inputs import DISPUTES_TOPIC, RAW_TOPIC, SHIPMENTS_TOPIC
from schemas.outputs import (
    FLAGS_TOPIC,
    NOTIFICATIONS_TOPIC,
    PROTECTION_TOPIC,
    BuyerNotification,
    FlagRaised,
    Output,
    ProtectionAdjusted,
)
from schemas.types import format_utc
from streams.rules.settings import RuleSettings
from workers.replay import replay

T0 = datetime.fromisoformat("2026-03-01T00:00:00+00:00")
TN = "LP000000014CN"


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


# Input lines (BRIEF §4)


def registered(
    tracking_number: str = TN,
    order_id: str = "o-1",
    *,
    at: datetime = T0,
    shipped_at: datetime | None = None,
    protection_days: float = 60,
    value_usd: str = "25.00",
    **overrides: Any,
) -> dict:
    """Registered at `at`, shipped at `shipped_at` (default: `at`), protected `protection_days` from shipment."""
    shipped_at = shipped_at or at
    value = {
        "type": "registered",
        "order_id": order_id,
        "tracking_number": tracking_number,
        "carrier": "generic",
        "buyer_id": "b-1",
        "seller_id": "s-1",
        "order_value": {"amount": value_usd, "currency": "USD"},
        "order_value_usd": value_usd,
        "shipped_at": shipped_at.isoformat(),
        "protection_ends_at": (shipped_at + timedelta(days=protection_days)).isoformat(),
        "guaranteed_delivery_days": None,
        "origin_country": "CN",
        "destination_country": "ES",
    } | overrides
    return {"at": at.isoformat(), "topic": SHIPMENTS_TOPIC, "key": tracking_number, "value": value}


def scans(tracking_number: str, *events: tuple[str, datetime], at: datetime | None = None, **fields: Any) -> dict:
    """A generic-carrier push of `(status, occurred_at)` events, arriving at `at` (default: the last scan)."""
    arrival = at or max(when for _, when in events)
    body = {
        "tracking_number": tracking_number,
        "events": [
            {
                "status": status,
                "occurred_at": when.isoformat(),
                "country": fields.get("country", "ES"),
                "location": fields.get("location", "Madrid"),
                "code": status.upper(),
            }
            for status, when in events
        ],
    }
    return {
        "at": arrival.isoformat(),
        "topic": RAW_TOPIC,
        "key": tracking_number,
        "value": {"carrier": "generic", "payload": body},
    }


def _order_event(kind: str, tracking_number: str, order_id: str, arrival: datetime, **fields: Any) -> dict:
    value = {"type": kind, "order_id": order_id, "tracking_number": tracking_number, **fields}
    return {"at": arrival.isoformat(), "topic": SHIPMENTS_TOPIC, "key": tracking_number, "value": value}


def extended(ends_at: datetime, *, at: datetime, tracking_number: str = TN, order_id: str = "o-1") -> dict:
    return _order_event("protection_extended", tracking_number, order_id, at, protection_ends_at=ends_at.isoformat())


def replaced(new: str, previous: str = TN, *, at: datetime, order_id: str = "o-1") -> dict:
    return _order_event(
        "tracking_number_replaced", new, order_id, at, previous_tracking_number=previous, carrier="generic"
    )


def receipt_confirmed(*, at: datetime, tracking_number: str = TN, order_id: str = "o-1") -> dict:
    return _order_event("receipt_confirmed", tracking_number, order_id, at, at=at.isoformat())


def dispute(
    kind: str, *, at: datetime, reason: str = "not_received", dispute_id: str = "d-1", order_id: str = "o-1"
) -> dict:
    """A `disputes.events.v1` record: `kind` is opened, modified, cancelled, closed or escalated."""
    value = {
        "type": kind,
        "dispute_id": dispute_id,
        "order_id": order_id,
        "buyer_id": "b-1",
        "reason": reason,
        "at": at.isoformat(),
    }
    return {"at": at.isoformat(), "topic": DISPUTES_TOPIC, "key": order_id, "value": value}


def clock(at: datetime) -> dict:
    """A line that only moves the clock: the timers due by `at` fire."""
    return {"at": at.isoformat()}


def lines(*records: dict) -> list[str]:
    return [orjson.dumps(r).decode() for r in records]


def redelivered(history: list[dict]) -> list[dict]:
    """Every input record delivered twice in a row, as at-least-once delivery may."""
    return [again for record in history for again in ([record, record] if "topic" in record else [record])]


def run(history: list[dict], settings: RuleSettings | None = None) -> list[Output]:
    return list(replay(lines(*history), settings or RuleSettings()))


def assert_idempotent(history: list[dict], settings: RuleSettings | None = None) -> None:
    """The same history gives the same outputs, ids included; redelivered inputs add none."""
    first = [output.model_dump(mode="json") for output in run(history, settings)]
    assert [output.model_dump(mode="json") for output in run(history, settings)] == first
    assert [output.model_dump(mode="json") for output in run(redelivered(history), settings)] == first


# Outputs as rows a table can compare whole


class Raised(NamedTuple):
    """A flag, a notification or a protection adjustment: its topic, what it is, its Kafka key (the
    order id), its tracking number and its moment (`raised_at` of a flag, `deadline` of a
    notification, `protection_ends_at` of an adjustment)."""

    topic: str
    name: str
    key: str
    tracking_number: str
    moment: str


def flagged(name: str, raised_at: datetime, key: str = "o-1", tracking_number: str = TN) -> Raised:
    return Raised(FLAGS_TOPIC, name, key, tracking_number, format_utc(raised_at))


def notified(template: str, deadline: datetime, key: str = "o-1", tracking_number: str = TN) -> Raised:
    return Raised(NOTIFICATIONS_TOPIC, template, key, tracking_number, format_utc(deadline))


def adjusted(kind: str, ends_at: datetime, key: str = "o-1", tracking_number: str = TN) -> Raised:
    return Raised(PROTECTION_TOPIC, kind, key, tracking_number, format_utc(ends_at))


def as_raised(output: Output) -> Raised | None:
    if isinstance(output, FlagRaised):
        return flagged(output.flag, output.raised_at, output.key, output.tracking_number)
    if isinstance(output, BuyerNotification):
        return notified(output.template, output.deadline, output.key, output.tracking_number)
    if isinstance(output, ProtectionAdjusted):
        return adjusted(output.type, output.protection_ends_at, output.key, output.tracking_number)
    return None


def raised(history: list[dict], settings: RuleSettings | None = None, *, only: tuple[str, ...] = ()) -> list[Raised]:
    """Every flag, notification and adjustment the history leads to, in the order emitted;
    `only` keeps the rows whose name is in it."""
    rows = [row for output in run(history, settings) if (row := as_raised(output)) is not None]
    return [row for row in rows if not only or row.name in only]


def case(name: str, history: list[dict], expected: list[Raised], **settings: Any):
    """One row of a rule's table: a short history, every row it raises, and the settings it runs with."""
    return pytest.param(history, expected, RuleSettings(**settings), id=name)
