"""`upu`: UPU item events forwarded by a postal partner, in parcelwatch's JSON rendering of EMSEVT.

UPU publishes no public tracking API with a documented shape: EMSEVT is an EDI message exchanged
between postal operators (and the PTT API some clients call documents no schema). So this format
is **parcelwatch's own JSON rendering of EMSEVT V3 item-event records**, one object per record,
with the record's fields under names of our choosing:

    {"events": [{"mail_item_id": "RB000000014CN",     S10 item identifier
                 "event_code": "EMC",                 EMSEVT event code (`carriers/upu/status.py`)
                 "event_name": "Departure from outward office of exchange",   optional
                 "event_time": "2026-03-07T10:45:00+08:00",   local date/time with its UTC offset
                 "office_code": "CNCANA",             optional, office of the event
                 "office_name": "GUANGZHOU EMS",      optional
                 "country": "CN"}]}                   optional, ISO 3166-1 alpha-2

One message may carry records of several items, in any order: it is split into one message per
item, each with that item's records in their order. Partners push it signed with Standard Webhooks;
UPU has nothing parcelwatch could poll, so the adapter only receives.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from carriers.base import ParsedShipment, PushOnly, split_list, validate
from carriers.standard_webhooks import SignedWithStandardWebhooks
from carriers.upu.status import UPU_STATUS, UPU_SUBSTATUS
from schemas.event import TrackingEvent
from schemas.types import CountryCode, Timestamp


class UpuItemEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    mail_item_id: str = Field(min_length=1, max_length=64)
    event_code: str = Field(pattern=r"^[A-Z]{3}$")
    event_name: str | None = None
    event_time: Timestamp
    office_code: str | None = None
    office_name: str | None = None
    country: CountryCode | None = None


class UpuMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    events: list[UpuItemEvent]


class UpuCarrier(SignedWithStandardWebhooks, PushOnly):
    slug = "upu"
    webhook_body = UpuMessage

    def _validate(self, payload: Any) -> UpuMessage:
        return validate(UpuMessage, payload)

    def tracking_numbers(self, payload: Any) -> list[str]:
        return list(dict.fromkeys(record.mail_item_id for record in self._validate(payload).events))

    def split(self, payload: Any) -> dict[str, Any]:
        numbers = [record.mail_item_id for record in self._validate(payload).events]
        return split_list(payload, ("events",), numbers)

    def parse(self, payload: Any) -> list[ParsedShipment]:
        items: dict[str, list[TrackingEvent]] = {}
        for record in self._validate(payload).events:
            items.setdefault(record.mail_item_id, []).append(self._event(record))
        return [ParsedShipment(item, tuple(events)) for item, events in items.items()]

    def _event(self, record: UpuItemEvent) -> TrackingEvent:
        return TrackingEvent(
            status=UPU_STATUS.status(record.event_code),
            substatus=UPU_SUBSTATUS.get(record.event_code),
            occurred_at=record.event_time,
            country=record.country,
            location=record.office_name or record.office_code,
            description=record.event_name,
            raw_code=record.event_code,
            carrier=self.slug,
        )


CARRIER = UpuCarrier()
