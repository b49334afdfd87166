"""The stream benchmark's input: order registrations and raw carrier records, the same for the same seed.

Simulated parcels (`carriers.sandbox.journeys`) shipped 10 to 40 days before `now` are registered
on `orders.shipments.v1` and report their events on `tracking.raw.v1` as they would by `now`:
half the parcels in the sandbox carrier's format (one webhook push per event, with the
simulator's duplicates and out-of-order pushes), half in the generic format (pushes, and every
fourth record a poll answer with the whole history so far). Only events that have happened by
`now` are reported, so most parcels are delivered and the delivery rule (R1) fires.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from carriers.sandbox.journeys import JourneyEvent, Parcel, journey, push_plan, simulate
from carriers.sandbox.server import shipment_body
from carriers.sandbox.status import SANDBOX_STATUS, SANDBOX_SUBSTATUS
from schemas.inputs import RAW_TOPIC, SHIPMENTS_TOPIC
from workers.dev import registration

SHIP_WINDOW = timedelta(days=30)
SHIPPED_BEFORE_NOW = timedelta(days=40)
POLL_EVERY = 4
PUSH_DELAY = timedelta(seconds=30)
RECORDS_PER_PARCEL_GUESS = 8


@dataclass(frozen=True, slots=True)
class BenchRecord:
    topic: str
    key: bytes
    value: bytes
    at: datetime  # when the record would have arrived: its place in the timeline


def generic_event(parcel: Parcel, event: JourneyEvent) -> dict[str, Any]:
    """A sandbox journey event in the generic carrier's format, with its canonical status."""
    return {
        "status": SANDBOX_STATUS.status(event.code).value,
        "substatus": SANDBOX_SUBSTATUS.get(event.code),
        "occurred_at": event.occurred_at(parcel.shipped_at).isoformat(),
        "country": event.country,
        "location": event.location,
        "description": event.description,
        "code": event.code,
    }


def _raw(carrier: str, at: datetime, payload: dict, source: str, delivery_id: str | None) -> bytes:
    return orjson.dumps(
        {
            "carrier": carrier,
            "received_at": at.isoformat(),
            "payload": payload,
            "source": source,
            "delivery_id": delivery_id,
        }
    )


def parcel_records(parcel: Parcel, index: int, now: datetime) -> list[BenchRecord]:
    """The registration and every raw record of one parcel up to `now`."""
    carrier = "sandbox" if index % 2 == 0 else "generic"
    key = parcel.tracking_number.encode()
    order = registration(parcel, index).model_copy(update={"carrier": carrier})
    records = [BenchRecord(SHIPMENTS_TOPIC, key, order.model_dump_json().encode(), parcel.shipped_at)]
    events = journey(parcel)
    happened = [event for event in events if parcel.shipped_at + event.offset <= now]
    for number, push in enumerate(push_plan(parcel, happened)):
        at = parcel.shipped_at + push.due + PUSH_DELAY
        delivery_id = f"msg_{parcel.tracking_number}_{number}"
        if carrier == "sandbox":
            payload = shipment_body(parcel, push.events)
            value = _raw(carrier, at, payload, "webhook", delivery_id)
            records.extend(BenchRecord(RAW_TOPIC, key, value, at) for _ in range(push.copies))
        elif number % POLL_EVERY == POLL_EVERY - 1:
            so_far = [event for event in happened if event.offset <= push.due]
            payload = {"tracking_number": parcel.tracking_number, "events": [generic_event(parcel, e) for e in so_far]}
            records.append(BenchRecord(RAW_TOPIC, key, _raw(carrier, at, payload, "poll", None), at))
        else:
            payload = {
                "tracking_number": parcel.tracking_number,
                "events": [generic_event(parcel, e) for e in push.events],
            }
            value = _raw(carrier, at, payload, "webhook", delivery_id)
            records.extend(BenchRecord(RAW_TOPIC, key, value, at) for _ in range(push.copies))
    return records


def stream_records(count: int, now: datetime, seed: int = 7) -> list[BenchRecord]:
    """Exactly `count` records in arrival order; the same arguments always give the same records."""
    if count < 1:
        raise ValueError("count must be at least 1")
    parcels = max(1, math.ceil(count / RECORDS_PER_PARCEL_GUESS))
    while True:
        start = now - SHIPPED_BEFORE_NOW
        records: list[BenchRecord] = []
        for index, parcel in enumerate(simulate(seed, parcels, start, ship_window=SHIP_WINDOW)):
            records.extend(parcel_records(parcel, index, now))
        if len(records) >= count:
            records.sort(key=lambda record: record.at)  # stable: a parcel's records keep their order
            return records[:count]
        parcels *= 2
