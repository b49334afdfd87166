"""`generic`: parcelwatch's own JSON format, for partners without an adapter and hand-written histories.

    {"tracking_number": "…", "events": [{"status", "occurred_at", "country", "location",
                                         "description", "code"}]}

`status` is a canonical status (BRIEF §2). Pushes are signed with Standard Webhooks.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from carriers.base import ParsedShipment, PushOnly, WholePayload, validate
from carriers.standard_webhooks import SignedWithStandardWebhooks
from schemas.event import TrackingEvent
from schemas.status import Status
from schemas.types import Timestamp


class GenericEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Status = Status.UNKNOWN
    occurred_at: Timestamp
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    location: str | None = None
    description: str | None = None
    code: str | None = None
    substatus: str | None = None


class GenericPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tracking_number: str = Field(min_length=1, max_length=64)
    events: list[GenericEvent]


class GenericCarrier(SignedWithStandardWebhooks, PushOnly, WholePayload):
    slug = "generic"
    webhook_body = GenericPayload

    def _validate(self, payload: Any) -> GenericPayload:
        return validate(GenericPayload, payload)

    def tracking_numbers(self, payload: Any) -> list[str]:
        return [self._validate(payload).tracking_number]

    def parse(self, payload: Any) -> list[ParsedShipment]:
        shipment = self._validate(payload)
        events = tuple(
            TrackingEvent(
                status=event.status,
                substatus=event.substatus,
                occurred_at=event.occurred_at,
                country=event.country,
                location=event.location,
                description=event.description,
                raw_code=event.code,
                carrier=self.slug,
            )
            for event in shipment.events
        )
        return [ParsedShipment(shipment.tracking_number, events)]


CARRIER = GenericCarrier()
