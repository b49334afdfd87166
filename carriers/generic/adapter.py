"""`generic`: parcelwatch's own JSON format, for partners without an adapter and hand-written histories.

    {"tracking_number": "…", "events": [{"status", "occurred_at", "country", "location",
                                         "description", "code"}]}

`status` is a canonical status (BRIEF §2); `occurred_at` is ISO-8601 with its UTC offset. A time without
one is read as the local time of the event's country when that country has one civil time
(`carriers.zones`) and marked `time_inferred`; an event that still cannot be used is refused on its
own and the rest of the payload is used. Pushes are signed with Standard Webhooks.
"""

from typing import Any

from pydantic import Field

from carriers.base import (
    CarrierDefaults,
    Format,
    OneEvent,
    ParsedShipment,
    PushOnly,
    WholePayload,
    raw_code,
    read_events,
    validate,
)
from carriers.shapes import listed_events
from carriers.standard_webhooks import SignedWithStandardWebhooks
from carriers.times import CarrierTime, resolve
from schemas.event import TrackingEvent
from schemas.status import Status


class GenericEvent(Format):
    status: Status = Status.UNKNOWN
    occurred_at: CarrierTime | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    location: str | None = None
    description: str | None = None
    code: str | None = None
    substatus: str | None = None


class GenericPayload(Format):
    tracking_number: str = Field(min_length=1, max_length=64)
    events: list[OneEvent[GenericEvent]]


class GenericCarrier(SignedWithStandardWebhooks, PushOnly, WholePayload, CarrierDefaults):
    slug = "generic"
    webhook_body = GenericPayload

    def _validate(self, payload: Any) -> GenericPayload:
        return validate(GenericPayload, payload)

    def tracking_numbers(self, payload: Any) -> list[str]:
        return [self._validate(payload).tracking_number]

    def parse(self, payload: Any) -> list[ParsedShipment]:
        shipment = self._validate(payload)
        events, refused = read_events(shipment.events, self._event, lambda raw: raw_code(raw, "code", "status"))
        return [ParsedShipment(shipment.tracking_number, events, refused)]

    def _event(self, event: GenericEvent) -> TrackingEvent:
        occurred_at, inferred = resolve(event.occurred_at, event.country, None)
        return TrackingEvent(
            status=event.status,
            substatus=event.substatus,
            occurred_at=occurred_at,
            country=event.country,
            location=event.location,
            description=event.description,
            raw_code=event.code,
            carrier=self.slug,
            time_inferred=inferred,
        )

    def recognises(self, payload: Any) -> bool:
        """`tracking_number` and `events` whose every one has `occurred_at`, or no events at all."""
        events = listed_events(payload)
        return events is not None and all("occurred_at" in e for e in events)


CARRIER = GenericCarrier()
