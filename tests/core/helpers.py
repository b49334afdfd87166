"""Short replay histories for the decision-core tables."""

from datetime import datetime, timedelta
from typing import Any

import orjson

from schemas.inputs import RAW_TOPIC, SHIPMENTS_TOPIC

T0 = datetime.fromisoformat("2026-03-01T00:00:00+00:00")


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def registered(
    tracking_number: str = "LP000000001CN",
    order_id: str = "o-1",
    *,
    at: datetime = T0,
    protection_days: float = 60,
    value_usd: str = "25.00",
    **overrides: Any,
) -> dict:
    value = {
        "type": "registered",
        "order_id": order_id,
        "tracking_number": tracking_number,
        "carrier": "generic",
        "buyer_id": "b-1",
        "seller_id": "s-1",
        "order_value": {"amount": value_usd, "currency": "USD"},
        "order_value_usd": value_usd,
        "shipped_at": at.isoformat(),
        "protection_ends_at": (at + timedelta(days=protection_days)).isoformat(),
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


def lines(*records: dict) -> list[str]:
    return [orjson.dumps(r).decode() for r in records]
